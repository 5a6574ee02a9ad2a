"""Policy pages: products a partner may sell (and why not), licences, the staff policy check."""
