#!/usr/bin/env bash
# A copy of the team's shared/medusa/medusa-up.sh, kept here so that CI on a clean checkout has it.
# medusa-up.sh — bring up a REAL Medusa v2 backend on loopback, for testing etsysync against it.
#
#   bash medusa-up.sh            # = up: install/start everything, seed the demo catalogue, print env lines
#   eval "$(bash medusa-up.sh)"  # same, and export MEDUSA_URL / MEDUSA_API_KEY / MEDUSA_JWT into this shell
#   bash medusa-up.sh stop       # stop the Medusa server this script started (by its PID file)
#   bash medusa-up.sh stop-all   # ... and also stop the PostgreSQL cluster
#   bash medusa-up.sh reset      # stop the server, drop the database and the saved key (keeps node_modules);
#                                #   the next `up` migrates and seeds a fresh catalogue (~55 s)
#   bash medusa-up.sh status
#
# Idempotent: every step checks before it acts, so running it again reuses the install, the DB,
# the admin user, the running server, the saved secret API key and the seeded catalogue.
# Binds only to loopback: PostgreSQL listen_addresses is kept loopback-only; Medusa listens on 127.0.0.1.
# Needs: root (apt-get, runuser), Debian 12, Node ^20.19 or >=22.12, npm, curl, python3. Reaches only the
# Debian package mirrors (apt-get) and the npm registry (npm install). No starter is cloned from anywhere:
# the project files below are written by hand (equivalent to the default Medusa starter, admin UI disabled).
# Progress goes to stderr; only the final `export ...` lines go to stdout.
# Timings measured on a 2-core machine: first run ~3 min (npm install ~2 min of it), re-run ~2 s,
# `reset` + `up` ~55 s.
set -euo pipefail

MEDUSA_VERSION="${MEDUSA_VERSION:-2.21.2}"
MEDUSA_DIR="${MEDUSA_DIR:-/tmp/medusa-trial}"
MEDUSA_HOST="127.0.0.1"                      # loopback only, deliberately not configurable
MEDUSA_PORT="${MEDUSA_PORT:-9000}"
DB_NAME="${MEDUSA_DB_NAME:-medusa_trial}"
DB_USER="medusa"
DB_PASS="medusa"
ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@example.com}"
ADMIN_PASSWORD="${MEDUSA_ADMIN_PASSWORD:-supersecret}"
SEED="${MEDUSA_SEED:-1}"                     # 1 = create the demo catalogue once (skipped when it exists)

URL="http://${MEDUSA_HOST}:${MEDUSA_PORT}"
PID_FILE="${MEDUSA_DIR}/medusa-server.pid"
LOG_FILE="${MEDUSA_DIR}/medusa-server.log"
KEY_FILE="${MEDUSA_DIR}/.secret-api-key"
export MEDUSA_DISABLE_TELEMETRY=true
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

T_START=$(date +%s)
log() { printf '[medusa-up +%3ss] %s\n' "$(( $(date +%s) - T_START ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1; }
pg_field() { pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v f="$2" '$1==v && $2=="main" {print $f}'; }
psql_pg() { runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -Atq "$@"; }

server_pid() { [ -f "$PID_FILE" ] && cat "$PID_FILE" || true; }
server_alive() { local p; p=$(server_pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/health" 2>/dev/null)" = "200" ]; }
# A secret key is valid when an admin route answers 200 with it. (Not /admin/users/me: with a secret
# key the actor is the key itself, and that route answers 404 "User with id: apk_... was not found".)
key_valid() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$1:" "$URL/admin/stores?fields=id")" = 200 ]; }

stop_server() {
  if server_alive; then
    local p; p=$(server_pid)
    log "stopping Medusa server PID $p"
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && { log "PID $p still alive, sending KILL"; kill -KILL "$p" 2>/dev/null || true; }
  else
    log "no Medusa server running from $PID_FILE"
  fi
  rm -f "$PID_FILE"
}

case "${1:-up}" in
  stop) stop_server; exit 0 ;;
  stop-all)
    stop_server
    v=$(pg_version); if [ -n "$v" ] && [ "$(pg_field "$v" 4)" = "online" ]; then log "stopping PostgreSQL $v/main"; pg_ctlcluster "$v" main stop; fi
    exit 0 ;;
  reset)
    stop_server
    rm -f "$KEY_FILE"
    v=$(pg_version)
    if [ -n "$v" ] && [ "$(pg_field "$v" 4)" != "online" ]; then
      log "starting PostgreSQL $v/main to drop the database"; pg_ctlcluster "$v" main start
    fi
    if [ -n "$v" ] && [ "$(pg_field "$v" 4)" = "online" ]; then
      PG_PORT=$(pg_field "$v" 3)
      log "dropping database ${DB_NAME}"
      psql_pg -c "drop database if exists ${DB_NAME} with (force)"
    else
      log "PostgreSQL is not running; start it with 'up' first if the database must be dropped"
    fi
    exit 0 ;;
  status)
    if server_alive && healthy; then echo "medusa: up at $URL (PID $(server_pid))"; else echo "medusa: down"; fi
    v=$(pg_version); echo "postgresql: ${v:-not installed} $( [ -n "$v" ] && pg_field "$v" 4 )"
    exit 0 ;;
  up) ;;
  *) die "usage: $0 [up|stop|stop-all|reset|status]" ;;
esac

[ "$(id -u)" = 0 ] || die "run as root (needs apt-get and runuser)"
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
command -v python3 >/dev/null || die "python3 not found"
command -v curl >/dev/null || die "curl not found"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)?0:1)' \
  || die "Medusa ${MEDUSA_VERSION} needs Node ^20.19 or >=22.12 (have $(node --version))"

# ---------------------------------------------------------------- 1. PostgreSQL (Debian package)
if [ -z "$(pg_version)" ] || ! command -v pg_ctlcluster >/dev/null; then
  log "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi
PGV=$(pg_version)
if [ -z "$(pg_field "$PGV" 1)" ]; then log "creating cluster $PGV/main"; pg_createcluster "$PGV" main >&2; fi
PG_CONF="/etc/postgresql/$PGV/main/postgresql.conf"
# Keep PostgreSQL on loopback. Debian's default ('localhost') is loopback already; anything else is rewritten.
LISTEN=$(sed -n "s/^[[:space:]]*listen_addresses[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$PG_CONF" | tail -1)
case "${LISTEN:-localhost}" in
  localhost|127.0.0.1|"127.0.0.1,::1"|"localhost,127.0.0.1") ;;
  *) log "setting listen_addresses='127.0.0.1' (was '${LISTEN}')"
     sed -i "s/^[#[:space:]]*listen_addresses[[:space:]]*=.*/listen_addresses = '127.0.0.1'/" "$PG_CONF"
     [ "$(pg_field "$PGV" 4)" = "online" ] && pg_ctlcluster "$PGV" main restart ;;
esac
if [ "$(pg_field "$PGV" 4)" != "online" ]; then log "starting PostgreSQL $PGV/main"; pg_ctlcluster "$PGV" main start; fi
PG_PORT=$(pg_field "$PGV" 3)
for _ in $(seq 1 40); do runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.25; done
[ "$(psql_pg -c "select 1 from pg_roles where rolname='${DB_USER}'")" = 1 ] \
  || { log "creating role ${DB_USER}"; psql_pg -c "create role ${DB_USER} login superuser password '${DB_PASS}'"; }
[ "$(psql_pg -c "select 1 from pg_database where datname='${DB_NAME}'")" = 1 ] \
  || { log "creating database ${DB_NAME}"; runuser -u postgres -- createdb -p "$PG_PORT" -O "$DB_USER" "$DB_NAME"; }
log "PostgreSQL $PGV online on 127.0.0.1:${PG_PORT}, database ${DB_NAME}"

# ---------------------------------------------------------------- 2. Medusa project (hand-written starter)
mkdir -p "$MEDUSA_DIR/src"
cd "$MEDUSA_DIR"
cat > package.json <<EOF
{
  "name": "medusa-trial",
  "version": "0.0.1",
  "private": true,
  "scripts": { "build": "medusa build", "start": "medusa start", "dev": "medusa develop" },
  "dependencies": {
    "@medusajs/admin-sdk": "${MEDUSA_VERSION}",
    "@medusajs/cli": "${MEDUSA_VERSION}",
    "@medusajs/framework": "${MEDUSA_VERSION}",
    "@medusajs/medusa": "${MEDUSA_VERSION}"
  },
  "devDependencies": {
    "@swc/core": "^1.7.28",
    "@types/node": "^20.12.11",
    "@types/react": "^18.3.2",
    "@types/react-dom": "^18.2.25",
    "prop-types": "^15.8.1",
    "react": "^18.3.1",
    "react-dom": "^18.3.1",
    "ts-node": "^10.9.2",
    "typescript": "^5.6.2",
    "vite": "^5.4.14",
    "yalc": "^1.0.0-pre.53"
  },
  "engines": { "node": ">=20" }
}
EOF
cat > medusa-config.ts <<'EOF'
import { loadEnv, defineConfig } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: process.env.STORE_CORS!,
      adminCors: process.env.ADMIN_CORS!,
      authCors: process.env.AUTH_CORS!,
      jwtSecret: process.env.JWT_SECRET || "supersecret",
      cookieSecret: process.env.COOKIE_SECRET || "supersecret",
    },
  },
  // The admin dashboard (a Vite/React SPA) is not needed to exercise the Admin REST API.
  admin: { disable: true },
})
EOF
cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2021", "esModuleInterop": true, "module": "Node16", "moduleResolution": "Node16",
    "emitDecoratorMetadata": true, "experimentalDecorators": true, "skipLibCheck": true,
    "skipDefaultLibCheck": true, "declaration": false, "sourceMap": false, "inlineSourceMap": true,
    "outDir": "./.medusa/server", "rootDir": "./", "jsx": "react-jsx",
    "forceConsistentCasingInFileNames": true, "resolveJsonModule": true, "checkJs": false,
    "strictNullChecks": true
  },
  "ts-node": { "swc": true },
  "include": ["**/*", ".medusa/types/*"],
  "exclude": ["node_modules", ".medusa/server", ".medusa/admin", ".cache"]
}
EOF
cat > .env <<EOF
STORE_CORS=http://127.0.0.1:8000
ADMIN_CORS=http://127.0.0.1:${MEDUSA_PORT}
AUTH_CORS=http://127.0.0.1:${MEDUSA_PORT}
JWT_SECRET=supersecret
COOKIE_SECRET=supersecret
DATABASE_URL=postgres://${DB_USER}:${DB_PASS}@127.0.0.1:${PG_PORT}/${DB_NAME}
MEDUSA_DISABLE_TELEMETRY=true
EOF

INSTALLED=$(node -p 'try{require("./node_modules/@medusajs/medusa/package.json").version}catch(e){""}' 2>/dev/null || true)
if [ "$INSTALLED" != "$MEDUSA_VERSION" ] || [ ! -x node_modules/.bin/medusa ]; then
  log "npm install @medusajs/medusa@${MEDUSA_VERSION} (about 1,100 packages, ~730 MB in node_modules, ~2 min)"
  npm install --no-audit --no-fund --loglevel=error >&2
fi
log "Medusa $(node -p 'require("./node_modules/@medusajs/medusa/package.json").version') installed in $MEDUSA_DIR"

# ---------------------------------------------------------------- 3. migrations + admin user
# Migrations are idempotent; they are skipped while our server is already up (they would only re-check).
if ! { server_alive && healthy; }; then
  log "running migrations (medusa db:migrate)"
  ./node_modules/.bin/medusa db:migrate > "$MEDUSA_DIR/medusa-migrate.log" 2>&1 \
    || { tail -30 "$MEDUSA_DIR/medusa-migrate.log" >&2; die "db:migrate failed (log: $MEDUSA_DIR/medusa-migrate.log)"; }
fi
HAS_USER=$(PGPASSWORD="$DB_PASS" psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -Atqc \
  "select 1 from \"user\" where email='${ADMIN_EMAIL}' and deleted_at is null limit 1" 2>/dev/null || true)
if [ "$HAS_USER" != 1 ]; then
  log "creating admin user ${ADMIN_EMAIL}"
  ./node_modules/.bin/medusa user -e "$ADMIN_EMAIL" -p "$ADMIN_PASSWORD" > "$MEDUSA_DIR/medusa-user.log" 2>&1 \
    || { tail -30 "$MEDUSA_DIR/medusa-user.log" >&2; die "medusa user failed"; }
fi

# ---------------------------------------------------------------- 4. server on 127.0.0.1
if server_alive && healthy; then
  log "Medusa already running (PID $(server_pid))"
else
  if server_alive; then log "PID $(server_pid) from $PID_FILE is alive but not healthy; restarting it"; stop_server; fi
  rm -f "$PID_FILE"
  if healthy || (command -v ss >/dev/null && ss -ltn "sport = :${MEDUSA_PORT}" | grep -q LISTEN); then
    die "port ${MEDUSA_PORT} is in use by a process this script did not start"
  fi
  log "starting Medusa: medusa start -H ${MEDUSA_HOST} -p ${MEDUSA_PORT}"
  nohup ./node_modules/.bin/medusa start -H "$MEDUSA_HOST" -p "$MEDUSA_PORT" > "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 240); do healthy && break; server_alive || break; sleep 0.5; done
  healthy || { tail -40 "$LOG_FILE" >&2; die "Medusa did not become healthy (log: $LOG_FILE)"; }
  log "Medusa healthy at $URL (PID $(server_pid))"
fi

# ---------------------------------------------------------------- 5. credentials
JWT=$(curl -sf -X POST "$URL/auth/user/emailpass" -H 'Content-Type: application/json' \
  -d "{\"email\":\"${ADMIN_EMAIL}\",\"password\":\"${ADMIN_PASSWORD}\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || die "login failed"
API_KEY=""
if [ -s "$KEY_FILE" ]; then
  API_KEY=$(cat "$KEY_FILE")
  key_valid "$API_KEY" || { log "saved secret API key is no longer accepted; creating a new one"; API_KEY=""; }
fi
if [ -z "$API_KEY" ]; then
  log "creating secret API key"
  API_KEY=$(curl -sf -X POST "$URL/admin/api-keys" -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \
    -d '{"title":"etsysync-test","type":"secret"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"]["token"])') \
    || die "creating the secret API key failed"
  (umask 077; printf '%s' "$API_KEY" > "$KEY_FILE")
  key_valid "$API_KEY" || die "the new secret API key is not accepted"
fi

# ---------------------------------------------------------------- 6. demo catalogue (once)
# A small craft shop ("Fern & Kiln Studio") with the edge cases a sync tool must handle. Every object is
# created through the Admin API with the secret key. Image URLs point at example.com and need not resolve.
if [ "$SEED" = 1 ]; then
  MEDUSA_URL="$URL" MEDUSA_API_KEY="$API_KEY" python3 - >&2 <<'PY'
import base64, json, os, urllib.parse, urllib.request, urllib.error
URL, KEY = os.environ["MEDUSA_URL"], os.environ["MEDUSA_API_KEY"]
AUTH = "Basic " + base64.b64encode((KEY + ":").encode()).decode()   # secret key = Basic username, empty password
IMG = "https://images.example.com/fern-and-kiln/"

def call(method, path, body=None):
    req = urllib.request.Request(URL + path, method=method, headers={"Authorization": AUTH, "Content-Type": "application/json"},
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"[medusa-up] seed: {method} {path} -> {e.code} {e.read().decode()[:500]}")

def q(s): return urllib.parse.quote(s, safe="")

if call("GET", "/admin/products?handle=linen-tee&fields=id")["count"]:
    print("[medusa-up] demo catalogue already present, not seeding"); raise SystemExit(0)
if call("GET", "/admin/products?fields=id&limit=1")["count"]:
    print("[medusa-up] NOTE: the database holds other products (an older seed?); run 'medusa-up.sh reset' for a clean catalogue")

# --- store, channels, regions, locations
store = call("GET", "/admin/stores")["stores"][0]
call("POST", f"/admin/stores/{store['id']}", {"name": "Fern & Kiln Studio", "supported_currencies": [
    {"currency_code": "eur", "is_default": True}, {"currency_code": "usd"}, {"currency_code": "gbp"}]})
sc_default = call("GET", "/admin/sales-channels?name=" + q("Default Sales Channel"))["sales_channels"][0]["id"]
sc_etsy = call("POST", "/admin/sales-channels", {"name": "Etsy", "description": "Products meant for the Etsy shop"})["sales_channel"]["id"]
both = [{"id": sc_default}, {"id": sc_etsy}]
regions = {}
for name, cur, countries in [("Europe", "eur", ["de", "fr", "nl", "at", "it", "es"]),
                             ("United States", "usd", ["us"]), ("United Kingdom", "gbp", ["gb"])]:
    regions[cur] = call("POST", "/admin/regions", {"name": name, "currency_code": cur, "countries": countries})["region"]["id"]
sp = call("GET", "/admin/shipping-profiles")["shipping_profiles"][0]["id"]
loc_wh = call("POST", "/admin/stock-locations", {"name": "Berlin Warehouse",
    "address": {"address_1": "Lindenstrasse 12", "city": "Berlin", "postal_code": "10969", "country_code": "de"}})["stock_location"]["id"]
loc_studio = call("POST", "/admin/stock-locations", {"name": "Leipzig Studio Shop",
    "address": {"address_1": "Karl-Heine-Strasse 40", "city": "Leipzig", "postal_code": "04229", "country_code": "de"}})["stock_location"]["id"]
for loc in (loc_wh, loc_studio):
    call("POST", f"/admin/stock-locations/{loc}/sales-channels", {"add": [sc_default, sc_etsy]})

# --- taxonomy: types, collections, categories, tags
types = {v: call("POST", "/admin/product-types", {"value": v})["product_type"]["id"]
         for v in ["Apparel", "Homeware", "Jewellery", "Art Print", "Gift Card"]}
cols = {t: call("POST", "/admin/collections", {"title": t, "handle": h})["collection"]["id"]
        for t, h in [("Summer Linen", "summer-linen"), ("Kitchen & Table", "kitchen-and-table")]}
cats = {n: call("POST", "/admin/product-categories", {"name": n, "handle": h, "is_active": True})["product_category"]["id"]
        for n, h in [("Clothing", "clothing"), ("Home & Living", "home-and-living"), ("Jewellery", "jewellery"), ("Art", "art")]}
_tags = {}
def tags(*values):
    for v in values:
        if v not in _tags:
            _tags[v] = call("POST", "/admin/product-tags", {"value": v})["product_tag"]["id"]
    return [{"id": _tags[v]} for v in values]
def images(*names): return [{"url": IMG + n} for n in names]
def single(sku, prices, **kw):
    # what the Medusa admin creates for a product "without variants": one option "Default option"
    return dict(options=[{"title": "Default option", "values": ["Default option value"]}],
                variants=[dict(title="Default variant", sku=sku, options={"Default option": "Default option value"}, prices=prices, **kw)])
def price(cur, amount, **kw): return dict(currency_code=cur, amount=amount, **kw)

# --- products (listing order = creation order, because the list is ordered by id, a time-sortable ULID)
tee_variants = []
for size, eur, usd in [("S", 38, 41.99), ("M", 38, 41.99), ("L", 42, 45.99)]:
    for color, code, extra in [("Indigo", "IND", 0), ("Rust", "RST", 2)]:
        tee_variants.append({"title": f"{size} / {color}", "sku": f"LT-{size}-{code}", "options": {"Size": size, "Color": color},
                             "manage_inventory": True, "prices": [price("eur", eur + extra), price("usd", round(usd + extra, 2))]})
products = [
  # 1. two options (Size x Color) -> 6 variants, EUR + USD per variant, SKUs, 4 images, stock at two locations
  dict(key="tee", title="Hand-Dyed Linen T-Shirt", subtitle="Indigo or rust, plant-dyed",
       handle="linen-tee", status="published",
       description="A relaxed-fit T-shirt in stonewashed European linen, dyed by hand with indigo or madder root.\n\nEach piece is dyed individually, so shades vary slightly.",
       thumbnail=IMG + "linen-tee-indigo-front.jpg",
       images=images("linen-tee-indigo-front.jpg", "linen-tee-indigo-back.jpg", "linen-tee-rust-front.jpg", "linen-tee-detail.jpg"),
       type_id=types["Apparel"], collection_id=cols["Summer Linen"], categories=[{"id": cats["Clothing"]}],
       tags=tags("handmade", "linen", "hand dyed", "t-shirt"), material="Linen", weight=180, origin_country="de",
       metadata={"etsy_taxonomy_id": 559, "who_made": "i_did", "when_made": "made_to_order"},
       options=[{"title": "Size", "values": ["S", "M", "L"]}, {"title": "Color", "values": ["Indigo", "Rust"]}],
       variants=tee_variants),
  # 2. single variant priced 120 EUR (135 USD); stock split over two locations
  dict(key="board", title="Walnut Serving Board", handle="walnut-serving-board", status="published",
       description="Solid black walnut, oiled with food-safe linseed oil. 45 x 20 cm.",
       thumbnail=IMG + "walnut-board-1.jpg", images=images("walnut-board-1.jpg", "walnut-board-2.jpg", "walnut-board-3.jpg"),
       type_id=types["Homeware"], collection_id=cols["Kitchen & Table"], categories=[{"id": cats["Home & Living"]}],
       tags=tags("handmade", "walnut", "serving board", "kitchen"), material="Walnut wood", weight=1200, length=45, width=20, height=2,
       metadata={"etsy_taxonomy_id": 1061, "who_made": "i_did", "when_made": "2020_2025"},
       **single("WSB-45", [price("eur", 120), price("usd", 135)], manage_inventory=True)),
  # 3. title longer than 140 characters (Etsy's limit), two variants
  dict(key="necklace",
       title="Personalised Sterling Silver Initial Necklace with Birthstone Charm – Dainty Hand-Stamped Layering Pendant, Minimalist Jewellery Gift for Her, Mum & Bridesmaids",
       handle="initial-necklace", status="published",
       description="Hand-stamped 925 sterling silver disc (12 mm) with your initial and a birthstone charm.",
       thumbnail=IMG + "necklace-1.jpg", images=images("necklace-1.jpg", "necklace-2.jpg"),
       type_id=types["Jewellery"], categories=[{"id": cats["Jewellery"]}], tags=tags("handmade", "necklace", "personalised"),
       material="Sterling silver", metadata={"who_made": "i_did", "when_made": "made_to_order", "personalization": True},
       options=[{"title": "Chain length", "values": ["16 in", "18 in"]}],
       variants=[{"title": "16 in", "sku": "NK-16", "options": {"Chain length": "16 in"}, "prices": [price("eur", 65), price("usd", 72)]},
                 {"title": "18 in", "sku": "NK-18", "options": {"Chain length": "18 in"}, "prices": [price("eur", 68), price("usd", 75)]}]),
  # 4. no EUR/USD price at all: priced in GBP only
  dict(key="vase", title="Speckled Ceramic Bud Vase", handle="speckled-bud-vase", status="published",
       description="Wheel-thrown bud vase in speckled stoneware. Currently sold through our UK stockist only.",
       thumbnail=IMG + "bud-vase-1.jpg", images=images("bud-vase-1.jpg", "bud-vase-2.jpg"),
       type_id=types["Homeware"], categories=[{"id": cats["Home & Living"]}], tags=tags("handmade", "ceramics", "vase"),
       material="Stoneware", **single("VASE-BUD", [price("gbp", 28)], manage_inventory=True)),
  # 5. fifteen tags (Etsy allows 13; one longer than 20 characters, one with an apostrophe, one capitalised)
  dict(key="candle", title="Hand-Poured Beeswax Pillar Candle", handle="beeswax-pillar-candle", status="published",
       description="Pure Bavarian beeswax, cotton wick, burns for about 60 hours (large).",
       thumbnail=IMG + "candle-1.jpg", images=images("candle-1.jpg", "candle-2.jpg", "candle-3.jpg"),
       type_id=types["Homeware"], categories=[{"id": cats["Home & Living"]}],
       tags=tags("beeswax candle", "pillar candle", "hand poured beeswax candle", "natural", "eco friendly", "zero waste",
                 "honey", "home decor", "hygge", "gift for her", "housewarming gift", "handmade", "sustainable living",
                 "Candlelight", "Mother's Day"),
       material="Beeswax", options=[{"title": "Size", "values": ["Small", "Large"]}],
       variants=[{"title": "Small", "sku": "CND-S", "options": {"Size": "Small"}, "prices": [price("eur", 18), price("usd", 20)]},
                 {"title": "Large", "sku": "CND-L", "options": {"Size": "Large"}, "allow_backorder": True,
                  "prices": [price("eur", 29), price("usd", 32)]}]),
  # 6. draft (unpublished)
  dict(key="teapot", title="Glazed Stoneware Teapot", handle="glazed-stoneware-teapot", status="draft",
       description="Work in progress: celadon glaze, 800 ml.", thumbnail=IMG + "teapot-1.jpg", images=images("teapot-1.jpg"),
       type_id=types["Homeware"], collection_id=cols["Kitchen & Table"], tags=tags("handmade", "ceramics", "teapot"),
       **single("TPT-800", [price("eur", 85), price("usd", 95)], manage_inventory=True)),
  # 7. variants with manage_inventory false (printed on demand), non-ASCII title
  dict(key="print", title="Botanical Giclée Art Print", handle="botanical-giclee-print", status="published",
       description="Archival giclée print of a watercolour fern study, printed to order on 300 gsm cotton rag.",
       thumbnail=IMG + "fern-print-1.jpg", images=images("fern-print-1.jpg", "fern-print-2.jpg", "fern-print-frame.jpg"),
       type_id=types["Art Print"], categories=[{"id": cats["Art"]}], tags=tags("art print", "botanical", "fern", "wall art"),
       metadata={"etsy_taxonomy_id": 120, "who_made": "i_did", "when_made": "made_to_order"},
       options=[{"title": "Size", "values": ["A4", "A3"]}],
       variants=[{"title": "A4", "sku": "PRT-FERN-A4", "options": {"Size": "A4"}, "manage_inventory": False,
                  "prices": [price("eur", 25), price("usd", 28)]},
                 {"title": "A3", "sku": "PRT-FERN-A3", "options": {"Size": "A3"}, "manage_inventory": False,
                  "prices": [price("eur", 39), price("usd", 44)]}]),
  # 8. no images, no thumbnail, no description, variant without SKU, managed inventory but no stock level anywhere
  dict(key="box", title="Mystery Craft Box", handle="mystery-craft-box", status="published",
       type_id=types["Homeware"], **single(None, [price("eur", 30), price("usd", 33)], manage_inventory=True)),
  # 9. status "proposed" (neither draft nor published)
  dict(key="macrame", title="Macramé Wall Hanging", handle="macrame-wall-hanging", status="proposed",
       description="Natural cotton cord on a driftwood branch, 60 cm wide.", thumbnail=IMG + "macrame-1.jpg",
       images=images("macrame-1.jpg", "macrame-2.jpg"), type_id=types["Homeware"], tags=tags("handmade", "macrame", "wall art"),
       **single("MAC-60", [price("eur", 55), price("usd", 60)], manage_inventory=True)),
  # 10. two EUR prices on one variant: a base price and a cheaper one with a region rule (rules.region_id)
  dict(key="throw", title="Merino Wool Throw", handle="merino-wool-throw", status="published",
       description="Woven on a wooden loom from undyed merino wool. 130 x 170 cm.", thumbnail=IMG + "throw-oatmeal.jpg",
       images=images("throw-oatmeal.jpg", "throw-charcoal.jpg", "throw-detail.jpg"), type_id=types["Homeware"],
       categories=[{"id": cats["Home & Living"]}], tags=tags("handmade", "wool", "throw blanket"), material="Merino wool",
       options=[{"title": "Color", "values": ["Oatmeal", "Charcoal"]}],
       variants=[{"title": c, "sku": f"THR-{c[:3].upper()}", "options": {"Color": c}, "prices": [
           price("eur", 149), price("eur", 139, rules={"region_id": regions["eur"]}), price("usd", 165)]} for c in ("Oatmeal", "Charcoal")]),
  # 11. quantity-tiered prices (min_quantity 10) next to the unit price, same currency
  dict(key="card", title="Letterpress Greeting Card", handle="letterpress-greeting-card", status="published",
       description="Letterpress-printed on cotton card, blank inside, with a kraft envelope.", thumbnail=IMG + "card-1.jpg",
       images=images("card-1.jpg", "card-2.jpg"), type_id=types["Art Print"], categories=[{"id": cats["Art"]}],
       tags=tags("handmade", "greeting card", "letterpress"), metadata={"etsy_taxonomy_id": 1240, "who_made": "i_did"},
       **single("CARD-LP-01", [price("eur", 4.5), price("eur", 3.75, min_quantity=10), price("usd", 5), price("usd", 4.25, min_quantity=10)],
                manage_inventory=True)),
  # 12. gift card (is_giftcard), in the default sales channel only (not in "Etsy")
  dict(key="giftcard", title="Studio Gift Card", handle="studio-gift-card", status="published", is_giftcard=True, discountable=False,
       description="A digital gift card for anything in the studio.", thumbnail=IMG + "gift-card.jpg", images=images("gift-card.jpg"),
       type_id=types["Gift Card"], options=[{"title": "Value", "values": ["25", "50"]}],
       variants=[{"title": v, "sku": f"GIFT-{v}", "options": {"Value": v}, "manage_inventory": False,
                  "prices": [price("eur", int(v)), price("usd", int(v) + 2)]} for v in ("25", "50")],
       sales_channels=[{"id": sc_default}]),
  # 13. created, then deleted (soft delete): absent from lists, 404 on retrieve
  dict(key="pin", title="Enamel Pin (discontinued)", handle="enamel-pin", status="published",
       images=images("enamel-pin.jpg"), **single("PIN-01", [price("eur", 9), price("usd", 10)], manage_inventory=False)),
]
ids = {}
for p in products:
    key = p.pop("key")
    p.setdefault("sales_channels", both)
    p["shipping_profile_id"] = sp
    ids[key] = call("POST", "/admin/products", p)["product"]["id"]

# --- inventory: stocked quantities per location (inventory items are created with the variants)
stock = {  # sku -> {location: stocked_quantity}
    "LT-S-IND": {loc_wh: 5}, "LT-M-IND": {loc_wh: 8}, "LT-L-IND": {loc_wh: 0},
    "LT-S-RST": {loc_wh: 3}, "LT-M-RST": {loc_wh: 2, loc_studio: 1}, "LT-L-RST": {loc_wh: 6},
    "WSB-45": {loc_wh: 4, loc_studio: 2}, "NK-16": {loc_studio: 10}, "NK-18": {loc_studio: 7},
    "VASE-BUD": {loc_studio: 3}, "CND-S": {loc_wh: 12}, "CND-L": {loc_wh: 0}, "TPT-800": {loc_studio: 1},
    "MAC-60": {loc_studio: 1}, "THR-OAT": {loc_wh: 2}, "THR-CHA": {loc_wh: 5}, "CARD-LP-01": {loc_wh: 120},
}
items, variant_ids = {}, {}
for key in ids:
    if key == "pin":
        continue
    prod = call("GET", f"/admin/products/{ids[key]}?fields=id,variants.id,variants.sku,variants.inventory_items.inventory_item_id")["product"]
    for v in prod["variants"]:
        variant_ids[v["sku"]] = v["id"]
        for link in v.get("inventory_items") or []:
            items[v["sku"]] = link["inventory_item_id"]
for sku, levels in stock.items():
    for loc, qty in levels.items():
        call("POST", f"/admin/inventory-items/{items[sku]}/location-levels", {"location_id": loc, "stocked_quantity": qty})
# a reservation (as an order would make): LT-M-IND has 8 stocked, 1 reserved -> 7 available
call("POST", "/admin/reservations", {"inventory_item_id": items["LT-M-IND"], "location_id": loc_wh, "quantity": 1,
                                     "description": "Held for a pending order"})

# a running sale (price list). Its prices do not show in the variants[].prices of GET /admin/products.
call("POST", "/admin/price-lists", {"title": "Winter sale", "description": "10% off small candles", "type": "sale", "status": "active",
                                    "prices": [{"variant_id": variant_ids["CND-S"], "currency_code": "eur", "amount": 16.2}]})

# --- variant images: each T-shirt colour shows its own photo
tee = call("GET", f"/admin/products/{ids['tee']}?fields=id,images.id,images.url,variants.id,variants.sku")["product"]
img_by_name = {i["url"].rsplit("/", 1)[1]: i["id"] for i in tee["images"]}
for v in tee["variants"]:
    name = "linen-tee-indigo-front.jpg" if v["sku"].endswith("IND") else "linen-tee-rust-front.jpg"
    call("POST", f"/admin/products/{ids['tee']}/variants/{v['id']}/images/batch", {"add": [img_by_name[name]]})

call("DELETE", f"/admin/products/{ids['pin']}")
print(f"[medusa-up] seeded {len(products)} products ({len(products) - 1} live, 1 deleted), "
      f"{len(stock)} stocked SKUs at 2 locations, 3 regions, sales channels Default + Etsy, 1 price list")
PY
fi

log "ready in $(( $(date +%s) - T_START ))s — stop with: bash $0 stop (or stop-all to stop PostgreSQL too)"
cat <<EOF
export MEDUSA_URL=${URL}
export MEDUSA_API_KEY=${API_KEY}
export MEDUSA_JWT=${JWT}
export MEDUSA_ADMIN_EMAIL=${ADMIN_EMAIL}
export MEDUSA_ADMIN_PASSWORD=${ADMIN_PASSWORD}
export MEDUSA_SERVER_PID=$(server_pid)
EOF
