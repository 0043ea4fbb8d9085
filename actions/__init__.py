"""Custom actions for Rasa: thin adapters between the tracker and the `bot` engine.

rasa-sdk registers every non-abstract Action subclass in this package; each feature has its own
module and reply text stays in the Rasa domain (domain/).
"""
