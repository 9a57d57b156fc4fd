// metadataheaders: a test-only client authenticator extension that copies request metadata kept by a
// receiver (include_metadata) to the outgoing HTTP request of an exporter, like the contrib
// headers_setter extension does with from_context. The contrib module is not served by the module
// proxy these tests use, so this small equivalent stands in for it; it lets a test see which tenant
// (X-Scope-OrgID) the Collector received from proflow.
package main

import (
	"context"
	"net/http"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
)

type metadataHeadersConfig struct {
	Headers []string `mapstructure:"headers"`
}

type metadataHeaders struct {
	component.StartFunc
	component.ShutdownFunc
	keys []string
}

var _ extensionauth.HTTPClient = (*metadataHeaders)(nil)

type roundTripper struct {
	base http.RoundTripper
	keys []string
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	info := client.FromContext(req.Context())
	req = req.Clone(req.Context())
	for _, k := range rt.keys {
		if v := info.Metadata.Get(k); len(v) > 0 {
			req.Header.Set(k, v[0])
		}
	}
	return rt.base.RoundTrip(req)
}

func (m *metadataHeaders) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	return roundTripper{base: base, keys: m.keys}, nil
}

func newMetadataHeadersFactory() extension.Factory {
	return extension.NewFactory(
		component.MustNewType("metadataheaders"),
		func() component.Config { return &metadataHeadersConfig{} },
		func(_ context.Context, _ extension.Settings, cfg component.Config) (extension.Extension, error) {
			return &metadataHeaders{keys: cfg.(*metadataHeadersConfig).Headers}, nil
		},
		component.StabilityLevelDevelopment,
	)
}
