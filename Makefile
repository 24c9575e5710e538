# pizauth: build, install, test.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
GO ?= go
VERSION ?=
LDFLAGS := $(if $(VERSION),-X main.buildVersion=$(VERSION))

.PHONY: all build install uninstall test lint fuzz clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o pizauth ./cmd/pizauth

install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 pizauth $(DESTDIR)$(BINDIR)/pizauth

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pizauth

# The whole suite, as CI runs it.
test:
	scripts/test

lint:
	scripts/lint

# A short run of every fuzzer (FUZZTIME=5m for a longer one).
fuzz:
	scripts/fuzz

clean:
	rm -f pizauth
