"""Medical: MedAgentGym-style biomedical tasks answered by running code in a sandboxed Python session.

Every env here is a ``code_env.CodeTaskEnv``: ``run_python[...]`` cells in a persistent sandboxed
interpreter, the family's own tools, then ``answer[...]``, graded by code. Ids need the ``medical``
extra (numpy and pandas for the sandbox's code).
"""
