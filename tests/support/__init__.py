"""What the tests share that is not a fixture: the emulator's handle, posting the settings form,
reading pages and the overview, what Quay received, the kinds of mirror (fixtures are in
``tests/conftest.py``)."""
