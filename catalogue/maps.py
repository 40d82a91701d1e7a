"""The places on a map: a plain equirectangular projection of the world, drawn as SVG on the server.

The land is Natural Earth's 1:110m outline (from the npm package world-atlas), drawn once into
`static/catalogue/world-land.svg` by `manage.py draw_map`; each place with coordinates and published
documents is a circle on it, its area in proportion to its documents, linking to its page. Nothing is
fetched from another site and no script is needed.
"""

import math
from dataclasses import dataclass

# The map's frame: every longitude, latitudes from 84° N to 56° S (nothing catalogued lies outside), at the
# same scale both ways.
WIDTH = 1000
NORTH, SOUTH = 84.0, -56.0
SCALE = WIDTH / 360
HEIGHT = round((NORTH - SOUTH) * SCALE)
MIN_RADIUS, MAX_RADIUS = 4.0, 22.0


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """(x, y) on the map of a point, in the map's units."""
    return (longitude + 180) * SCALE, (NORTH - latitude) * SCALE


@dataclass
class Marker:
    place: object
    count: int
    x: float
    y: float
    radius: float


def markers(places) -> list[Marker]:
    """A marker for each place with coordinates, the largest drawn first so that smaller ones stay on top."""
    placed = [place for place in places if place.has_coordinates and place.document_count]
    most = max((place.document_count for place in placed), default=1)
    found = []
    for place in placed:
        x, y = project(float(place.longitude), float(place.latitude))
        share = math.sqrt(place.document_count / most)
        found.append(Marker(place, place.document_count, round(x, 1), round(y, 1),
                            round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share, 1)))  # fmt: skip
    return sorted(found, key=lambda marker: -marker.radius)


def land_path(topology: dict) -> str:
    """SVG path data of a TopoJSON topology's land (its first object), projected on the map."""
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # quantized and delta-encoded
            x, y = x + dx, y + dy
            points.append(project(x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)

    def ring(indexes):
        points = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points += arc[1:] if points else arc
        # A ring that crosses the 180th meridian is cut there, each piece closed along the map's edge.
        pieces, piece = [], [points[0]]
        for previous, point in zip(points, points[1:], strict=False):
            if abs(point[0] - previous[0]) > WIDTH / 2:
                edge = WIDTH if previous[0] > WIDTH / 2 else 0
                piece.append((edge, previous[1]))
                pieces.append(piece)
                piece = [(WIDTH - edge, point[1])]
            piece.append(point)
        pieces.append(piece)
        if len(pieces) > 1 and abs(pieces[-1][-1][0] - pieces[0][0][0]) < WIDTH / 2:
            pieces[0] = pieces.pop() + pieces[0]  # the ring's start and end are one piece
        return "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in piece) + "Z" for piece in pieces)

    paths = []
    (geometries,) = [obj["geometries"] for obj in topology["objects"].values()][:1]
    for geometry in geometries:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            paths += [ring(indexes) for indexes in polygon]
    return "".join(paths)
