"""factory_boy factories for the whole suite, one module per package."""
