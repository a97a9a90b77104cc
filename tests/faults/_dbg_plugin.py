def pytest_runtest_teardown(item):
    sb = item.funcargs.get("connected")
    if sb is None: return
    from collections import defaultdict
    streak = defaultdict(int); best = defaultdict(int)
    for e in sb.request_log():
        if e["path"].endswith("-ping"): continue
        k = (e["method"], e["path"])
        if e["status"] >= 500: streak[k] += 1; best[k] = max(best[k], streak[k])
        elif e["status"] < 400: streak[k] = 0
    print(sorted(best.values())[-10:])
