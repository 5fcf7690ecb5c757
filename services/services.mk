# The apps under services/: their own set-up (packages, the browser their tests drive)
# and `make dev`, which runs both on this machine without Docker.

SERVICES_WEB := services/frontend
SERVICES_DEV := .slipway/dev
SERVICES_API_PORT := 8080
SERVICES_WEB_PORT := 5173

.PHONY: services-setup dev

services-setup: setup $(SERVICES_WEB)/node_modules/.installed /usr/bin/chromium

# requirements-dev.txt includes the backend's pins: a change there reinstalls too.
$(VENV)/.installed: services/backend/requirements.txt

$(SERVICES_WEB)/node_modules/.installed: \
		$(SERVICES_WEB)/package.json $(SERVICES_WEB)/package-lock.json
	cd $(SERVICES_WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's Chromium; Playwright's own download is not reachable.
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The built bundle, with /config.js written by the same script as in the container.
dev: services-setup
	cd $(SERVICES_WEB) && npm run build --silent
	rm -rf $(SERVICES_DEV)/web && mkdir -p $(SERVICES_DEV)/data
	cp -R $(SERVICES_WEB)/dist $(SERVICES_DEV)/web
	API_URL=http://localhost:$(SERVICES_API_PORT) \
		CONFIG_JS_PATH=$(SERVICES_DEV)/web/config.js \
		sh $(SERVICES_WEB)/runtime-config.sh
	@trap 'kill $$api $$web 2>/dev/null; wait' EXIT; trap 'exit 130' INT TERM; \
	PYTHONPATH=services/backend HOST=127.0.0.1 PORT=$(SERVICES_API_PORT) \
		DATA_DIR=$(SERVICES_DEV)/data \
		CORS_ORIGINS=http://localhost:$(SERVICES_WEB_PORT) \
		$(BIN)/python -m notes_api & api=$$!; \
	$(BIN)/python -m http.server $(SERVICES_WEB_PORT) --bind 127.0.0.1 \
		--directory $(SERVICES_DEV)/web >/dev/null 2>&1 & web=$$!; \
	echo "backend:  http://localhost:$(SERVICES_API_PORT)"; \
	echo "frontend: http://localhost:$(SERVICES_WEB_PORT)"; \
	echo "notes are kept in $(SERVICES_DEV)/data; Ctrl-C stops both."; \
	wait
