#!/bin/sh
# etsy-nightly.sh: sync the catalog to Etsy every night, from cron.
#
#   crontab -e
#   0 3 * * *  /home/seller/bin/etsy-nightly.sh >> /home/seller/etsysync-cron.log 2>&1
#
# cron runs this with PATH=/usr/bin:/bin and almost no environment, so etsysync is named by
# its absolute path (`command -v etsysync` in your shell prints it) and everything else your
# shell sets for etsysync is set here. Once, by hand, before the first night:
#   etsysync auth login --insecure-storage   # cron has no keyring: tokens in a 0600 file
#   etsysync plan --source file /srv/shop/catalog.jsonl --limit 3   # see what it will do
#
# Change the three paths below to yours (or set ETSYSYNC, CATALOG and LOG_FILE in the crontab).

ETSYSYNC="${ETSYSYNC:-/home/seller/etsysync/.venv/bin/etsysync}"
CATALOG="${CATALOG:-/srv/shop/catalog.jsonl}"
LOG_FILE="${LOG_FILE:-$HOME/etsysync.log}"
RETRY_AFTER="${RETRY_AFTER:-3600}"   # seconds to wait when Etsy's daily quota is spent

if [ ! -x "$ETSYSYNC" ]; then
    echo "etsy-nightly: no etsysync at $ETSYSYNC; set ETSYSYNC to what \`command -v etsysync\` prints" >&2
    exit 127
fi

for attempt in 1 2 3; do
    # --log-file belongs to etsysync itself, so it goes before the command.
    "$ETSYSYNC" --log-file "$LOG_FILE" sync --source file "$CATALOG" --auto-approve --quiet --wait 600
    code=$?
    case $code in
        0)  exit 0 ;;                     # every product synced (or nothing to push)
        75) echo "etsy-nightly: Etsy's daily quota is spent (attempt $attempt of 3)"
            if [ "$attempt" -lt 3 ]; then sleep "$RETRY_AFTER"; fi ;;   # the run resumes where it stopped
        3)  echo "etsy-nightly: some products failed: run etsysync status --failed"; exit 3 ;;
        4)  echo "etsy-nightly: Etsy needs a new login: run etsysync auth login --insecure-storage"; exit 4 ;;
        5)  echo "etsy-nightly: refused (more changes than --max-creates/--max-updates?): run etsysync status"; exit 5 ;;
        6)  echo "etsy-nightly: another run still holds the shop after 10 minutes"; exit 6 ;;
        *)  echo "etsy-nightly: etsysync exited $code; see $LOG_FILE"; exit $code ;;
    esac
done
exit 75
