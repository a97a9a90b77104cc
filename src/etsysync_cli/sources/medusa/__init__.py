"""The Medusa v2 source: a live store read through its Admin API, and the Etsy link written back.

`client` (HTTP, retries, errors), `keys` (the secret key), `products` (the store and its
products), `connect` (`etsysync source medusa` / `source check`), `write_back` (links into
Medusa), `sales` (Etsy sales as reservations). What the rest of etsysync uses is re-exported here.

Everything here follows the recorded behaviour of a real Medusa 2.x server (tests/fixtures/medusa):

- **Auth**: a secret API key as HTTP Basic auth, the key as user name and an empty password. The key
  lives in the keyring entry `medusa-api-key` (or, opted in, the 0600 credentials file) together
  with the URL it belongs to, and is never sent to any other URL. `ETSYSYNC_MEDUSA_API_KEY`
  overrides it for cron.
- **Version**: v2 has `GET /admin/stores`; v1 has a singular `/admin/store` and keeps prices in
  minor units, so it is refused rather than listed at 100 times (or 1/100 of) its prices.
- **Reading**: `GET /admin/products` with `limit`/`offset`, `order=id`, the `fields` list that adds
  stock (inventory items' location levels) to the defaults, `status[]=published` (plus `draft` with
  include_drafts), the sales channel as `sales_channel_id[]` and optional `id[]`, `collection_id[]`,
  `type_id[]`, `tag_id[]` filters. Page by page, never the whole catalogue in memory; the scan stops
  at `offset + len(products) >= count`. A product deleted during the scan shifts later offsets, so
  when `count` shrinks the scan steps back and skips ids it has already read. Nothing filters on
  `updated_at` (a price or stock edit does not move it): every plan reads the whole selection.
- **Stock**: the variant's location levels are cut to the stock locations of the chosen sales
  channel before the product model sums them (`domain/product.py`).
- **Retries**: timeouts, dropped connections, 429 and 5xx are retried with backoff (a bounded
  tenacity policy); a refused connection, DNS or TLS failure is reported at once, naming the URL.
- **Write-back** (`medusa.write_back`): after a run, each synced product's metadata gains
  `etsy_listing_id`, `etsy_url`, `etsy_sync_status` and `etsy_last_synced_at`. Medusa's
  `POST /admin/products/{id}` stores the `metadata` object it is given (the product module assigns
  the column; it does not merge), so the current metadata is read first and sent back whole with
  our four keys on top: no key the seller set is ever dropped. Those four keys are removed from the
  product before it is fingerprinted, so writing them back never makes a product look edited.
- **Sales** (`sales.write_sales`): each Etsy transaction becomes one reservation per inventory item
  at a stock location of the channel, marked with the transaction id and looked up before writing;
  a cancelled order deletes it. Why a reservation, and the rest: `sales.py`'s docstring.
"""

from etsysync_cli.sources.medusa.client import MedusaAuthError as MedusaAuthError
from etsysync_cli.sources.medusa.client import MedusaClient as MedusaClient
from etsysync_cli.sources.medusa.client import MedusaRetryPolicy as MedusaRetryPolicy
from etsysync_cli.sources.medusa.client import MedusaVersionError as MedusaVersionError
from etsysync_cli.sources.medusa.client import default_retry as default_retry
from etsysync_cli.sources.medusa.client import normalize_url as normalize_url
from etsysync_cli.sources.medusa.connect import CheckReport as CheckReport
from etsysync_cli.sources.medusa.connect import Connected as Connected
from etsysync_cli.sources.medusa.connect import check as check
from etsysync_cli.sources.medusa.connect import connect as connect
from etsysync_cli.sources.medusa.keys import api_key as api_key
from etsysync_cli.sources.medusa.keys import configured_url as configured_url
from etsysync_cli.sources.medusa.keys import save_key as save_key
from etsysync_cli.sources.medusa.keys import stored_key as stored_key
from etsysync_cli.sources.medusa.products import FIELDS as FIELDS
from etsysync_cli.sources.medusa.products import WRITE_BACK_KEYS as WRITE_BACK_KEYS
from etsysync_cli.sources.medusa.products import Channel as Channel
from etsysync_cli.sources.medusa.products import MedusaSource as MedusaSource
from etsysync_cli.sources.medusa.products import Selection as Selection
from etsysync_cli.sources.medusa.products import StoreInfo as StoreInfo
from etsysync_cli.sources.medusa.products import prepare as prepare
from etsysync_cli.sources.medusa.products import reader as reader
from etsysync_cli.sources.medusa.sales import SaleToWrite as SaleToWrite
from etsysync_cli.sources.medusa.sales import SaleWritten as SaleWritten
from etsysync_cli.sources.medusa.sales import StockLocationError as StockLocationError
from etsysync_cli.sources.medusa.sales import write_sales as write_sales
from etsysync_cli.sources.medusa.write_back import EtsyLink as EtsyLink
from etsysync_cli.sources.medusa.write_back import write_back as write_back
