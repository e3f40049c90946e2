import gymnasium as gym

from palaestra.core import env_entry, register_text_and_vision
from palaestra.core.registry import _CATALOGUE


def test_register_text_and_vision_registers_both_modalities():
    ids = ("RegistryProbe-Text-v0", "RegistryProbe-Vision-v0")
    register_text_and_vision(
        "RegistryProbe",
        "palaestra.envs.arcade.snake.env:SnakeEnv",
        family="zz-probe",
        summary="probe",
        max_episode_steps=7,
    )
    try:
        for env_id, modality, vision in zip(ids, ("text", "vision"), (False, True)):
            entry = env_entry(env_id)
            assert (entry.family, entry.summary, entry.modality) == ("zz-probe", "probe", modality)
            assert entry.kwargs == {"vision": vision}
            spec = gym.spec(env_id)
            assert spec.max_episode_steps == 7 and spec.kwargs == {"vision": vision}
    finally:  # other tests compare the catalogue with the registered games
        for env_id in ids:
            del _CATALOGUE[env_id]
            del gym.registry[env_id]
