/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The functions berth uses from its load-on-use libraries (dl.h),
 * under their own names: each looks its target up once and calls it. */
#include <archive.h>
#include <archive_entry.h>
#include <crypt.h>
#include <libmnl/libmnl.h>
#include <nftables/libnftables.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <zlib.h>

#include "dl.h"

/* SHIM(lib, return type, name, (parameters), (arguments)) */
#define SHIM(lib, ret, name, params, args)                                    \
        ret name params                                                       \
        {                                                                     \
                static ret(*fn) params;                                       \
                if (!fn)                                                      \
                        fn = (ret(*) params)dl_sym(lib, #name);               \
                return fn args;                                               \
        }
#define SHIM_VOID(lib, name, params, args)                                    \
        void name params                                                      \
        {                                                                     \
                static void(*fn) params;                                      \
                if (!fn)                                                      \
                        fn = (void(*) params)dl_sym(lib, #name);              \
                fn args;                                                      \
        }

/* ---- libarchive: reading image layers */
#define A DL_ARCHIVE
SHIM(A, struct archive *, archive_read_new, (void), ())
SHIM(A, int, archive_read_free, (struct archive * a), (a))
SHIM(A, int, archive_read_support_format_tar, (struct archive * a), (a))
SHIM(A, int, archive_read_support_format_empty, (struct archive * a), (a))
SHIM(A, int, archive_read_support_filter_gzip, (struct archive * a), (a))
SHIM(A, int, archive_read_support_filter_bzip2, (struct archive * a), (a))
SHIM(A, int, archive_read_support_filter_xz, (struct archive * a), (a))
SHIM(A, int, archive_read_support_filter_zstd, (struct archive * a), (a))
SHIM(A, int, archive_read_open,
     (struct archive * a, void *data, archive_open_callback *o, archive_read_callback *r,
      archive_close_callback *c),
     (a, data, o, r, c))
SHIM(A, int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e))
SHIM(A, int, archive_read_data_block,
     (struct archive * a, const void **buf, size_t *size, la_int64_t *offset),
     (a, buf, size, offset))
SHIM(A, const char *, archive_error_string, (struct archive * a), (a))
SHIM(A, const char *, archive_entry_pathname, (struct archive_entry * e), (e))
SHIM(A, const char *, archive_entry_hardlink, (struct archive_entry * e), (e))
SHIM(A, const char *, archive_entry_symlink, (struct archive_entry * e), (e))
SHIM(A, __LA_MODE_T, archive_entry_filetype, (struct archive_entry * e), (e))
SHIM(A, __LA_MODE_T, archive_entry_perm, (struct archive_entry * e), (e))
SHIM(A, la_int64_t, archive_entry_uid, (struct archive_entry * e), (e))
SHIM(A, la_int64_t, archive_entry_gid, (struct archive_entry * e), (e))
SHIM(A, dev_t, archive_entry_rdev, (struct archive_entry * e), (e))
SHIM(A, la_int64_t, archive_entry_size, (struct archive_entry * e), (e))
SHIM(A, int, archive_entry_size_is_set, (struct archive_entry * e), (e))
SHIM(A, time_t, archive_entry_atime, (struct archive_entry * e), (e))
SHIM(A, long, archive_entry_atime_nsec, (struct archive_entry * e), (e))
SHIM(A, int, archive_entry_atime_is_set, (struct archive_entry * e), (e))
SHIM(A, time_t, archive_entry_mtime, (struct archive_entry * e), (e))
SHIM(A, long, archive_entry_mtime_nsec, (struct archive_entry * e), (e))
SHIM(A, int, archive_entry_mtime_is_set, (struct archive_entry * e), (e))
SHIM(A, int, archive_entry_xattr_reset, (struct archive_entry * e), (e))
SHIM(A, int, archive_entry_xattr_next,
     (struct archive_entry * e, const char **name, const void **value, size_t *size),
     (e, name, value, size))

/* variadic: formatted here, passed on as "%s" */
void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
        static void (*fn)(struct archive *, int, const char *, ...);
        if (!fn)
                fn = (void (*)(struct archive *, int, const char *, ...))dl_sym(
                        A, "archive_set_error");
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fn(a, code, "%s", msg);
}
#undef A

/* ---- libcrypto: image blob digests */
#define C DL_CRYPTO
SHIM(C, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
SHIM_VOID(C, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
SHIM(C, const EVP_MD *, EVP_sha256, (void), ())
SHIM(C, const EVP_MD *, EVP_sha512, (void), ())
SHIM(C, int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl),
     (ctx, type, impl))
SHIM(C, int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void *d, size_t cnt), (ctx, d, cnt))
SHIM(C, int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s),
     (ctx, md, s))
#undef C

/* ---- libnftables: NAT tables and published ports */
#define N DL_NFTABLES
SHIM(N, struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags))
SHIM_VOID(N, nft_ctx_free, (struct nft_ctx * ctx), (ctx))
SHIM_VOID(N, nft_ctx_output_set_flags, (struct nft_ctx * ctx, unsigned int flags), (ctx, flags))
SHIM(N, int, nft_ctx_buffer_output, (struct nft_ctx * ctx), (ctx))
SHIM(N, int, nft_ctx_buffer_error, (struct nft_ctx * ctx), (ctx))
SHIM(N, const char *, nft_ctx_get_output_buffer, (struct nft_ctx * ctx), (ctx))
SHIM(N, const char *, nft_ctx_get_error_buffer, (struct nft_ctx * ctx), (ctx))
SHIM(N, int, nft_run_cmd_from_buffer, (struct nft_ctx * ctx, const char *buf), (ctx, buf))
#undef N

/* ---- libcrypt: the debian template's root password */
SHIM(DL_CRYPT, char *, crypt_rn,
     (const char *phrase, const char *setting, void *data, int size),
     (phrase, setting, data, size))
SHIM(DL_CRYPT, char *, crypt_gensalt_rn,
     (const char *prefix, unsigned long count, const char *rbytes, int nrbytes, char *output,
      int output_size),
     (prefix, count, rbytes, nrbytes, output, output_size))

/* ---- zlib: /proc/config.gz */
SHIM(DL_Z, gzFile, gzdopen, (int fd, const char *mode), (fd, mode))
SHIM(DL_Z, int, gzread, (gzFile f, voidp buf, unsigned len), (f, buf, len))
SHIM(DL_Z, int, gzclose, (gzFile f), (f))

/* ---- libmnl: netlink for the network plan and `berth net` */
#define M DL_MNL
SHIM(M, struct mnl_socket *, mnl_socket_open2, (int bus, int flags), (bus, flags))
SHIM(M, int, mnl_socket_bind, (struct mnl_socket * nl, unsigned int groups, pid_t pid),
     (nl, groups, pid))
SHIM(M, int, mnl_socket_close, (struct mnl_socket * nl), (nl))
SHIM(M, int, mnl_socket_get_fd, (const struct mnl_socket *nl), (nl))
SHIM(M, unsigned int, mnl_socket_get_portid, (const struct mnl_socket *nl), (nl))
SHIM(M, ssize_t, mnl_socket_sendto, (const struct mnl_socket *nl, const void *req, size_t siz),
     (nl, req, siz))
SHIM(M, ssize_t, mnl_socket_recvfrom, (const struct mnl_socket *nl, void *buf, size_t siz),
     (nl, buf, siz))
SHIM(M, size_t, mnl_nlmsg_size, (size_t len), (len))
SHIM(M, size_t, mnl_nlmsg_get_payload_len, (const struct nlmsghdr *nlh), (nlh))
SHIM(M, struct nlmsghdr *, mnl_nlmsg_put_header, (void *buf), (buf))
SHIM(M, void *, mnl_nlmsg_put_extra_header, (struct nlmsghdr * nlh, size_t size), (nlh, size))
SHIM(M, void *, mnl_nlmsg_get_payload, (const struct nlmsghdr *nlh), (nlh))
SHIM(M, uint16_t, mnl_attr_get_type, (const struct nlattr *attr), (attr))
SHIM(M, uint16_t, mnl_attr_get_payload_len, (const struct nlattr *attr), (attr))
SHIM(M, void *, mnl_attr_get_payload, (const struct nlattr *attr), (attr))
SHIM(M, uint32_t, mnl_attr_get_u32, (const struct nlattr *attr), (attr))
SHIM(M, const char *, mnl_attr_get_str, (const struct nlattr *attr), (attr))
SHIM_VOID(M, mnl_attr_put, (struct nlmsghdr * nlh, uint16_t type, size_t len, const void *data),
          (nlh, type, len, data))
SHIM_VOID(M, mnl_attr_put_u32, (struct nlmsghdr * nlh, uint16_t type, uint32_t data),
          (nlh, type, data))
SHIM_VOID(M, mnl_attr_put_strz, (struct nlmsghdr * nlh, uint16_t type, const char *data),
          (nlh, type, data))
SHIM(M, struct nlattr *, mnl_attr_nest_start, (struct nlmsghdr * nlh, uint16_t type),
     (nlh, type))
SHIM_VOID(M, mnl_attr_nest_end, (struct nlmsghdr * nlh, struct nlattr *start), (nlh, start))
SHIM(M, int, mnl_attr_type_valid, (const struct nlattr *attr, uint16_t maxtype), (attr, maxtype))
SHIM(M, int, mnl_attr_validate, (const struct nlattr *attr, enum mnl_attr_data_type type),
     (attr, type))
SHIM(M, int, mnl_attr_parse,
     (const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb, void *data),
     (nlh, offset, cb, data))
SHIM(M, int, mnl_attr_parse_nested, (const struct nlattr *attr, mnl_attr_cb_t cb, void *data),
     (attr, cb, data))
SHIM(M, int, mnl_cb_run2,
     (const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb_data,
      void *data, mnl_cb_t *cb_ctl_array, unsigned int cb_ctl_array_len),
     (buf, numbytes, seq, portid, cb_data, data, cb_ctl_array, cb_ctl_array_len))
#undef M
