"""`make bench`: the measurement harness (settings, bare comparison views, the driver)."""
