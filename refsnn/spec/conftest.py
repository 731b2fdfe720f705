"""The installed spec suite's hypothesis profiles (refsnn/spec/profiles.py); its options and
fixtures come from the plugin (refsnn/spec/plugin.py)."""

from refsnn.spec import profiles

profiles.load()
