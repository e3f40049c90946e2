"""WebShop: find and buy the product an instruction asks for, on WebShop's pages, in its text format."""

from palaestra.core import register_env

register_env(
    "WebShop-Text-v0",
    "palaestra.envs.webshop.env:WebShopTextEnv",
    family="webshop",
    summary="WebShop's search, result, item pages and reward on a generated 10,000-product catalogue.",
    max_episode_steps=15,
    extra="web",
    expert=True,
)
