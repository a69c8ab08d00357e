# web.mk - the dashboard's assets (included by the Makefile).
#
#   make assets   npm ci in web/ (uPlot, pinned in web/package-lock.json),
#                 then copy uPlot's minified build into web/dist. web/dist
#                 is committed, so a plain `make` needs neither npm nor the
#                 network.
#
# Our own sources (web/*.{html,js,css}, nothing to build) and the vendored
# files in web/dist are compiled into the binary: tools/embed (built with
# the host compiler, so it also works when CC is a cross compiler) writes
# $(BUILD)/gen/web_assets.c, the api_assets[] table of src/api/assets.h.
# The Makefile adds $(WEB_ASSETS_OBJ) to the library.

# Included before the Makefile's first rule or after it: the default goal
# is saved here and restored at the end, so `assets` never becomes it.
WEB_SAVED_GOAL := $(.DEFAULT_GOAL)

HOSTCC  ?= cc
WEB_SRC := web/index.html web/app.js web/app.css
WEB_UPLOT := web/node_modules/uplot/dist/uPlot.iife.min.js \
             web/node_modules/uplot/dist/uPlot.min.css
WEB_DIST := $(sort $(wildcard web/dist/*))
WEB_FILES := $(WEB_SRC) $(WEB_DIST)
EMBED    := $(BUILD)/tools/embed
WEB_ASSETS_SRC := $(BUILD)/gen/web_assets.c
WEB_ASSETS_OBJ := $(BUILD)/gen/web_assets.o

.PHONY: assets

# Copies only (no bundler, no minifier): the same locked uPlot always
# gives the same web/dist.
assets:
	cd web && npm ci --no-audit --no-fund
	rm -rf web/dist
	mkdir -p web/dist
	cp $(WEB_UPLOT) web/dist/
	cp web/node_modules/uplot/LICENSE web/dist/uPlot.LICENSE.txt
	@ls -l $(WEB_SRC) web/dist/* | awk '{ n += $$5; print "  " $$5 "\t" $$9 } END { print "  " n "\ttotal" }'

$(EMBED): tools/embed.c
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  HOSTCC $@"
	$(Q)$(HOSTCC) $(CSTD) -O2 $(WARN) -o $@ $<

# web/dist itself is a prerequisite so that adding or removing a file
# (which changes the directory, not the other files) regenerates the table.
$(WEB_ASSETS_SRC): $(EMBED) $(WEB_FILES) web/dist
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  EMBED $@"
	$(Q)$(EMBED) $@ $(WEB_FILES)

$(WEB_ASSETS_OBJ): $(WEB_ASSETS_SRC)
	@[ "$(V)" != 0 ] || echo "  CC    $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(WARN) -c $< -o $@

-include $(WEB_ASSETS_OBJ:.o=.d)

.DEFAULT_GOAL := $(WEB_SAVED_GOAL)
