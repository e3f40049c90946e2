"""A small numpy renderer for polycubes: perspective projection, Lambert shading, a z-buffer.

Each exposed cube face (one with no cube on its other side) that faces the camera is rasterised as
a quad with perspective-correct depth and face coordinates; the face coordinates draw a dark outline
round every face, as in Shepard and Metzler's drawings. The image is rendered at ``SUPERSAMPLE``
times the size and averaged down, which smooths the edges.

The camera is the same for every view: it looks at the object's centre from the south-east, above
it, with ``z`` (the vertical axis) up on the screen, so turning an object about the vertical axis
turns its picture the same way.
"""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from palaestra.envs.arcade.painter import BACKGROUND, GRID_LINE
from palaestra.envs.arcade.rotation.world import UNIT_STEPS

SUPERSAMPLE = 2
CAMERA_AZIMUTH = np.radians(-55.0)  # from the east axis towards the north; negative: the south side
CAMERA_ELEVATION = np.radians(30.0)
CAMERA_DISTANCE = 3.6  # in object radii: enough for a visible but mild perspective
COLOR = np.array((120, 175, 235), np.float64)
# What the instructions of Rotation-Vision-v0 say of the colours (COLOR, OUTLINE, LIGHT, the labels).
IMAGE_LEGEND = (
    "The cubes are drawn light blue with a dark outline round every face, lit from above, so the "
    "tops are the brightest faces and the two visible sides differ in shade; the background is dark "
    "grey, grey lines divide the four views and each view's number is written in white in its top "
    "left corner."
)
MIN_IMAGE_SIZE = 64  # four views of 32 pixels; in smaller ones a cube is a few pixels, mostly outline
OUTLINE = np.array((16, 20, 28), np.uint8)
OUTLINE_WIDTH = 0.05  # of a cube's side
AMBIENT, DIFFUSE = 0.35, 0.65
LIGHT = (0.3, -0.6, 1.0)  # towards the light: high, on the camera's side, so the three visible sides differ

# The six faces of the unit cube at the origin, in the order of their outward normals UNIT_STEPS:
# four corners in order round each face, whose face coordinates (u, v) are (0,0), (1,0), (1,1), (0,1).
_FACE_UV = np.array(((0, 0), (1, 0), (1, 1), (0, 1)), np.float64)


def _face_corners(normal: np.ndarray) -> np.ndarray:
    axis = int(np.flatnonzero(normal)[0])
    b, c = (axis + 1) % 3, (axis + 2) % 3
    corners = np.zeros((4, 3))
    corners[:, axis] = 1 if normal[axis] > 0 else 0
    corners[:, b], corners[:, c] = _FACE_UV[:, 0], _FACE_UV[:, 1]
    return corners


_CORNERS = np.stack([_face_corners(n) for n in UNIT_STEPS])  # (6, 4, 3)
_CUBE_CORNERS = np.array(list(itertools.product((0, 1), repeat=3)), np.float64)


class Camera:
    """The fixed view: a basis (right, up, forward), a position, and the light direction."""

    def __init__(self) -> None:
        ce, se = np.cos(CAMERA_ELEVATION), np.sin(CAMERA_ELEVATION)
        toward = np.array((ce * np.cos(CAMERA_AZIMUTH), ce * np.sin(CAMERA_AZIMUTH), se))
        self.position = CAMERA_DISTANCE * toward
        self.forward = -toward
        self.right = np.cross(self.forward, (0.0, 0.0, 1.0))
        self.right /= np.linalg.norm(self.right)
        self.up = np.cross(self.right, self.forward)
        self.light = np.array(LIGHT) / np.linalg.norm(LIGHT)
        # an object of radius 1 at the origin spans 92% of the image's half-width
        self.focal = 0.92 / np.tan(np.arcsin(1.0 / CAMERA_DISTANCE))


CAMERA = Camera()


def render_view(cubes: np.ndarray, size: int, camera: Camera = CAMERA) -> np.ndarray:
    """A ``(size, size, 3)`` uint8 picture of the polycube ``cubes`` (integer cube coordinates)."""
    cubes = np.asarray(cubes, np.int64)
    occupied = {tuple(c) for c in cubes.tolist()}
    # the exposed faces: (cube, face) pairs with no cube on the face's other side
    exposed = [
        (i, f)
        for i, cube in enumerate(cubes.tolist())
        for f, (dx, dy, dz) in enumerate(UNIT_STEPS.tolist())
        if (cube[0] + dx, cube[1] + dy, cube[2] + dz) not in occupied
    ]
    which, face = np.array(exposed).T
    center = (cubes.min(axis=0) + cubes.max(axis=0) + 1) / 2
    radius = np.sqrt((((cubes[:, None, :] + _CUBE_CORNERS) - center) ** 2).sum(axis=2).max())
    rel = (cubes[which][:, None, :] + _CORNERS[face] - center) / radius - camera.position  # (F, 4, 3)
    normals = UNIT_STEPS[face]
    front = np.einsum("fk,fk->f", normals, rel.mean(axis=1)) < 0  # faces turned to the camera
    rel, normals = rel[front], normals[front]
    full = size * SUPERSAMPLE
    half = full / 2
    z = rel @ camera.forward
    xs = half + half * camera.focal * (rel @ camera.right) / z
    ys = half - half * camera.focal * (rel @ camera.up) / z
    inv_z = 1.0 / z
    # On a plane seen in perspective, 1/z and the face coordinates over z are affine in screen space:
    # three corners fix them on the whole face.
    corners = np.stack([xs[:, :3], ys[:, :3], np.ones_like(xs[:, :3])], axis=2)
    values = np.stack([inv_z[:, :3], _FACE_UV[:3, 0] * inv_z[:, :3], _FACE_UV[:3, 1] * inv_z[:, :3]], axis=2)
    edge_on = np.abs(np.linalg.det(corners)) < 1e-9
    corners[edge_on] = np.eye(3)
    affine = np.linalg.solve(corners, values)  # (F, 3 [x, y, 1], 3 [1/z, u/z, v/z])
    shades = AMBIENT + DIFFUSE * np.clip(normals @ camera.light, 0.0, None)
    fills = np.rint(COLOR * shades[:, None]).astype(np.uint8)
    color = np.empty((full, full, 3), np.uint8)
    color[:] = BACKGROUND
    depth = np.zeros((full, full))  # 1 / distance of the nearest surface drawn so far; 0: none
    for f in np.flatnonzero(~edge_on).tolist():
        _fill_face(color, depth, xs[f], ys[f], affine[f], fills[f])
    return np.asarray(Image.fromarray(color).reduce(SUPERSAMPLE))


def _fill_face(color, depth, xs, ys, affine, fill) -> None:
    """Draw one projected face (a convex quad) with a depth test, outlined near its edges."""
    height, width = depth.shape
    x0, x1 = max(int(xs.min()), 0), min(int(xs.max()) + 1, width)
    y0, y1 = max(int(ys.min()), 0), min(int(ys.max()) + 1, height)
    if x0 >= x1 or y0 >= y1:
        return
    px = np.arange(x0, x1) + 0.5
    py = (np.arange(y0, y1) + 0.5)[:, None]
    orient = 1.0 if (xs[1] - xs[0]) * (ys[2] - ys[0]) > (xs[2] - xs[0]) * (ys[1] - ys[0]) else -1.0
    inside = None
    for i in range(4):
        j = (i + 1) % 4
        side = orient * ((xs[j] - xs[i]) * (py - ys[i]) - (ys[j] - ys[i]) * (px - xs[i])) >= -1e-7
        inside = side if inside is None else inside & side
    (ax, au, av), (bx, bu, bv), (cx, cu, cv) = affine.tolist()
    iz = ax * px + bx * py + cx
    region = depth[y0:y1, x0:x1]
    drawn = inside & (iz > region)
    u = (au * px + bu * py + cu) / iz
    v = (av * px + bv * py + cv) / iz
    edge = np.minimum(np.minimum(u, 1 - u), np.minimum(v, 1 - v)) < OUTLINE_WIDTH
    region[drawn] = iz[drawn]
    target = color[y0:y1, x0:x1]
    target[drawn & ~edge] = fill
    target[drawn & edge] = OUTLINE


def tile_views(views: list[np.ndarray], image_size: int) -> np.ndarray:
    """The four views in a 2x2 grid (1 2 / 3 4), each numbered in its top-left corner."""
    cell = image_size // 2
    image = np.empty((image_size, image_size, 3), np.uint8)
    image[:] = BACKGROUND
    for index, view in enumerate(views):
        row, col = divmod(index, 2)
        image[row * cell : row * cell + cell, col * cell : col * cell + cell] = view
    image[cell - 1 : cell + 1, :] = GRID_LINE
    image[:, cell - 1 : cell + 1] = GRID_LINE
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(8, cell // 8))
    for index in range(len(views)):
        row, col = divmod(index, 2)
        draw.text((col * cell + 4, row * cell + 2), str(index + 1), fill=(235, 235, 235), font=font)
    return np.asarray(canvas).copy()
