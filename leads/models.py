"""Lead distribution: offers to partners by rules, with acceptance deadlines. Nothing yet."""
