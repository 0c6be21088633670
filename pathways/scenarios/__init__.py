"""Practice scenarios for trainees: data only, read with a safe YAML loader and never executed."""
