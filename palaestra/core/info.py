"""The info keys every env reports (DESIGN.md, "Info keys"). Use these names, never string literals."""

INSTRUCTIONS = "instructions"  # reset: the task, the rules, the exact action syntax and an example
TURN = "turn"  # always: steps taken in this episode
ACTION_VALID = "action_valid"  # step: whether the text parsed to a legal action
ACTION_ERROR = "action_error"  # step: why not, in words an LLM can act on (None when valid)
VALID_ACTIONS = "valid_actions"  # where finite: the legal actions now, as strings
SUCCESS = "success"  # whether the task is achieved (final at episode end)
SCORE = "score"  # the episode's score in [0, 1] (final at episode end)
STATE_KEY = "state_key"  # a short stable hash of the world state
TRUNCATION_REASON = "truncation_reason"  # when the env truncates itself, why ("invalid_actions", "env_error")
TASK_ID = "task_id"  # always, data-set envs: the instance being played
TOOLS = "tools"  # reset, tool envs: OpenAI-style JSON schemas of the env's tools
ENV_ERROR = "env_error"  # when the world failed: its error, in one line
ROLE_SCORES = "role_scores"  # multi-agent envs: role -> score in [0, 1] of the episode so far
