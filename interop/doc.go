// Package interop holds interoperability tests of pizauth against real
// authorization servers. It is a module of its own so that their
// dependencies (github.com/zitadel/oidc/v3 and what it pulls in) never enter
// the main module's go.mod. Run them with
//
//	cd interop && go test -race ./...
package interop
