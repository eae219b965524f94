"""Custom actions: thin rasa-sdk adapters that read the tracker, call ``bot`` and return events."""
