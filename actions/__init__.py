"""The rasa-sdk action server: thin adapters that read the tracker, call ``bot`` and return events.

Modules by concern: ``knowledge`` (free questions), ``intake`` (the form and corrections),
``advice`` (advice, evidence, overview). The heavy objects (knowledge retriever, conclusion engine)
are built on first use by ``actions.services``, not at import.
"""
