"""Pathway modules: the YAML schema, the loader with its load-time checks, and the compiled tree."""

from ntrk_advisor.pathway.knowledge import (
    KnowledgeBase,
    default_knowledge_base,
    load_knowledge_base,
)

__all__ = ["KnowledgeBase", "default_knowledge_base", "load_knowledge_base"]
