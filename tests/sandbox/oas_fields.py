"""Add (or refresh) schemas in etsy_oas_fields.json from Etsy's OAS, never by hand:

    python tests/sandbox/oas_fields.py ShopReceipt ShopReceipts ShopReceiptTransaction

Each named schema's property names are written sorted; the others are left as they are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
FIELDS = HERE / "etsy_oas_fields.json"
OAS_FILE = HERE.parent / "fixtures" / "etsy-oas.json"


def main(names: list[str]) -> None:
    schemas = json.loads(OAS_FILE.read_text(encoding="utf-8"))["components"]["schemas"]
    data = json.loads(FIELDS.read_text(encoding="utf-8"))
    for name in names:
        data["schemas"][name] = sorted(schemas[name]["properties"])
    FIELDS.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
