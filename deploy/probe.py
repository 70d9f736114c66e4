"""Container health probe: exit 0 when GET <url> answers 2xx, else print why and exit 1."""

import sys
import urllib.error
import urllib.request


def main() -> int:
    url = sys.argv[1]
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            response.read()
        return 0
    except urllib.error.HTTPError as error:
        # /readyz names the dependency that does not answer; keep it in the health log.
        print(f"{url}: HTTP {error.code} {error.read(500).decode(errors='replace')}")
    except OSError as error:
        print(f"{url}: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
