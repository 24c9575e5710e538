# pizauth: build, install, test.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
GO ?= go
VERSION ?=
LDFLAGS := $(if $(VERSION),-X github.com/pizauth-go/pizauth/internal/version.override=$(VERSION))

.PHONY: bench demo all build install uninstall test lint fuzz cover clean dist deb

all: build

# pizauth is the client; pizauth-server, which `pizauth server` runs, is the
# server (see internal/daemon for why they are two programs).
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o . ./cmd/pizauth ./cmd/pizauth-server

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(SYSTEMDUSERDIR)
	install -m 0755 pizauth $(DESTDIR)$(BINDIR)/pizauth
	install -m 0755 pizauth-server $(DESTDIR)$(BINDIR)/pizauth-server
	install -m 0644 man/pizauth.1 $(DESTDIR)$(MANDIR)/man1/pizauth.1
	install -m 0644 man/pizauth.conf.5 $(DESTDIR)$(MANDIR)/man5/pizauth.conf.5
	install -m 0644 completions/pizauth.bash $(DESTDIR)$(BASHCOMPDIR)/pizauth
	install -m 0644 completions/_pizauth $(DESTDIR)$(ZSHCOMPDIR)/_pizauth
	install -m 0644 completions/pizauth.fish $(DESTDIR)$(FISHCOMPDIR)/pizauth.fish
	sed 's|/usr/local/bin/pizauth|$(BINDIR)/pizauth|g' lib/systemd/user/pizauth.service \
		>$(DESTDIR)$(SYSTEMDUSERDIR)/pizauth.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUSERDIR)/pizauth.service
	install -m 0644 lib/systemd/user/pizauth.socket $(DESTDIR)$(SYSTEMDUSERDIR)/pizauth.socket

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pizauth $(DESTDIR)$(BINDIR)/pizauth-server \
		$(DESTDIR)$(MANDIR)/man1/pizauth.1 $(DESTDIR)$(MANDIR)/man5/pizauth.conf.5 \
		$(DESTDIR)$(BASHCOMPDIR)/pizauth $(DESTDIR)$(ZSHCOMPDIR)/_pizauth \
		$(DESTDIR)$(FISHCOMPDIR)/pizauth.fish $(DESTDIR)$(SYSTEMDUSERDIR)/pizauth.service \
		$(DESTDIR)$(SYSTEMDUSERDIR)/pizauth.socket

# Release archives for linux, freebsd, openbsd and darwin on amd64 and arm64,
# and SHA256SUMS, in dist/; reproducible (VERSION=1.2.3 names them, else git
# describe does; see scripts/dist).
dist:
	GO='$(GO)' VERSION='$(VERSION)' scripts/dist

# A Debian package in dist/ for this machine (GOARCH=arm64 for another; see
# scripts/deb).
deb:
	GO='$(GO)' VERSION='$(VERSION)' scripts/deb

# The whole suite, as CI runs it.
test:
	scripts/test

lint:
	scripts/lint

# Coverage of the tests and of the processes the end-to-end scripts run;
# writes cover.out.
cover:
	scripts/cover

# A short run of every fuzzer (FUZZTIME=5m for a longer one).
fuzz:
	scripts/fuzz

# Whole-process and server figures; writes bench/RESULTS.md.
bench:
	bench/run

clean:
	rm -f pizauth pizauth-server cover.out
	rm -rf dist

# The whole life cycle against a fake provider on this machine: no account needed.
demo: build
	$(GO) run ./demo
