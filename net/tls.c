/* tls.c — server-side TLS for the HTTP server with OpenSSL memory BIOs: ciphertext from libuv goes
 * into the read BIO, plaintext comes out of SSL_read into protocol detection; plaintext answers go
 * through SSL_write and the write BIO's bytes are queued on the socket. ALPN offers "h2" then
 * "http/1.1"; mutual TLS is on when client_ca_file is set. */
#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "net/http_internal.h"

static void openssl_error(char *err, size_t err_len, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "unknown error";
    if (e) ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    snprintf(err, err_len, "tls: %s %s: %s", what, path ? path : "", reason);
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *out_len, const unsigned char *in,
                       unsigned int in_len, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char ours[] = "\x02h2\x08http/1.1";
    if (SSL_select_next_proto((unsigned char **)out, out_len, ours, sizeof(ours) - 1, in, in_len) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *pf_tls_ctx_new(const pf_tls_server_config *cfg, char *err, size_t err_len)
{
    if (!cfg->cert_file || !*cfg->cert_file || !cfg->key_file || !*cfg->key_file) {
        snprintf(err, err_len, "tls: cert_file and key_file are required to serve TLS");
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        openssl_error(err, err_len, "creating a context", NULL);
        return NULL;
    }
    bool tls13 = cfg->min_version && strcmp(cfg->min_version, "1.3") == 0;
    SSL_CTX_set_min_proto_version(ctx, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
        openssl_error(err, err_len, "loading cert_file", cfg->cert_file);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
        openssl_error(err, err_len, "loading key_file", cfg->key_file);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        openssl_error(err, err_len, "key_file does not match cert_file", cfg->key_file);
        goto fail;
    }
    if (cfg->client_ca_file && *cfg->client_ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, cfg->client_ca_file, NULL) != 1) {
            openssl_error(err, err_len, "loading client_ca_file", cfg->client_ca_file);
            goto fail;
        }
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->client_ca_file);
        if (names) SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

bool pf_tls_conn_init(pf_http_conn *c)
{
    SSL *ssl = SSL_new(c->srv->tls_ctx);
    if (!ssl) return false;
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    if (!rbio || !wbio) {
        BIO_free(rbio);
        BIO_free(wbio);
        SSL_free(ssl);
        return false;
    }
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_accept_state(ssl);
    c->ssl = ssl;
    return true;
}

/* Moves whatever OpenSSL produced (handshake records, application data, alerts) to the socket. */
static void flush_records(pf_http_conn *c)
{
    BIO *wbio = SSL_get_wbio(c->ssl);
    char *data;
    long n = BIO_get_mem_data(wbio, &data);
    if (n > 0) pf_conn_write_raw(c, data, (size_t)n);
    (void)BIO_reset(wbio);
}

static void tls_failed(pf_http_conn *c, const char *stage)
{
    char reason[256] = "connection closed";
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    pf_http_count_reject(c->srv, "tls");
    pf_log_limited(&c->srv->log_limit, 10, PF_LOG_WARN, c->srv->owner_id, "TLS %s with %s failed: %s", stage, c->peer,
                   reason);
    flush_records(c); /* the alert, if any */
    pf_conn_close_after_write(c);
}

void pf_tls_on_ciphertext(pf_http_conn *c, const uint8_t *data, size_t len)
{
    SSL *ssl = c->ssl;
    BIO_write(SSL_get_rbio(ssl), data, (int)len);
    if (!c->tls_established) {
        int rc = SSL_do_handshake(ssl);
        if (rc != 1) {
            int e = SSL_get_error(ssl, rc);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                flush_records(c);
            else
                tls_failed(c, "handshake");
            return;
        }
        c->tls_established = true;
        flush_records(c);
    }
    uint8_t plain[16384];
    while (!c->closing) {
        int n = SSL_read(ssl, plain, sizeof(plain));
        if (n > 0) {
            pf_conn_on_plaintext(c, plain, (size_t)n);
            continue;
        }
        int e = SSL_get_error(ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
        if (e == SSL_ERROR_ZERO_RETURN) {
            if (c->proto == PF_PROTO_H1)
                pf_h1_on_eof(c);
            else
                pf_conn_close(c);
            return;
        }
        tls_failed(c, "read");
        return;
    }
    if (!c->closing) flush_records(c);
}

void pf_tls_write(pf_http_conn *c, const void *data, size_t len)
{
    if (c->closing || !c->tls_established) return;
    const uint8_t *p = data;
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int n = SSL_write(c->ssl, p, chunk);
        if (n <= 0) {
            tls_failed(c, "write");
            return;
        }
        p += n;
        len -= (size_t)n;
    }
    flush_records(c);
}

void pf_tls_shutdown(pf_http_conn *c)
{
    SSL_shutdown(c->ssl);
    flush_records(c);
}
