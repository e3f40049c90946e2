"""WebShop: find and buy the product an instruction asks for, on WebShop's pages, in its text format."""

from palaestra.core import register_env
from palaestra.envs.webshop.data import WEBSHOP_VARIABLE

register_env(
    "WebShop-Text-v0",
    "palaestra.envs.webshop.env:WebShopTextEnv",
    family="webshop",
    summary="WebShop's search, result, item pages and reward on a generated 10,000-product catalogue.",
    max_episode_steps=15,
    extra="web",
    expert=True,
)
register_env(
    "WebShop-v0",
    "palaestra.envs.webshop.data:WebShopEnv",
    family="webshop",
    summary="WebShop's own products and human instructions, read from its data files, by task_id.",
    max_episode_steps=15,
    extra="web",
    expert=True,
    data=(
        WEBSHOP_VARIABLE,
        "the folder of WebShop's items_shuffle*.json, items_ins_v2*.json, items_human_ins.json",
    ),
)
