import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalogue import maps

SOURCE = Path(settings.BASE_DIR) / "node_modules" / "world-atlas" / "land-110m.json"
TARGET = Path(settings.BASE_DIR) / "static" / "catalogue" / "world-land.svg"


class Command(BaseCommand):
    help = (
        "Draw the places map's land outline (Natural Earth 1:110m, from the npm package world-atlas) into "
        "static/catalogue/world-land.svg. Run after `npm ci`; the drawing is committed, so a server needs neither."
    )

    def handle(self, *args, **options):
        if not SOURCE.exists():
            raise CommandError(f"{SOURCE} is missing: run `npm ci` first.")
        path = maps.land_path(json.loads(SOURCE.read_text()))
        TARGET.write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {maps.WIDTH} {maps.HEIGHT}">'
            f"<!-- Land: Natural Earth 1:110m (public domain), via world-atlas; drawn by manage.py draw_map. -->"
            f'<path fill="#e6dfd0" stroke="#b9ad95" stroke-width="0.6" d="{path}"/></svg>\n'
        )
        self.stdout.write(f"Wrote {TARGET} ({TARGET.stat().st_size:,} bytes).")
