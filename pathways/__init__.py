"""The built-in pathway modules: clinical knowledge as YAML data, read via importlib.resources."""
