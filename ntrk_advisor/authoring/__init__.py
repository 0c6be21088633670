"""Tools for the people who write and review the pathway files: audit, exports, local copies.

They sit apart from `pathway/` because they use the engine (the audit walks every answer
combination through it); the engine uses `pathway/`, so keeping them there would make the
knowledge package import the code that imports it.
"""
