"""Every read an actor makes in e-learning, one module per part."""
