#ifndef CRINGBACK_CURL_SHIM_H
#define CRINGBACK_CURL_SHIM_H

#include <curl/curl.h>

/* curl_easy_setopt / curl_easy_getinfo are variadic: Swift cannot call them.
   One typed wrapper per argument kind. */
static inline CURLcode CRingbackCurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CRingbackCurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CRingbackCurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CRingbackCurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CRingbackCurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode CRingbackCurl_setopt_mime(CURL *h, curl_mime *v) { return curl_easy_setopt(h, CURLOPT_MIMEPOST, v); }

typedef size_t (*CRingbackCurl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode CRingbackCurl_setopt_write(CURL *h, CRingbackCurl_data_callback f, void *context) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
    return rc != CURLE_OK ? rc : curl_easy_setopt(h, CURLOPT_WRITEDATA, context);
}
static inline CURLcode CRingbackCurl_setopt_read(CURL *h, CRingbackCurl_data_callback f, void *context) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_READFUNCTION, f);
    return rc != CURLE_OK ? rc : curl_easy_setopt(h, CURLOPT_READDATA, context);
}
static inline CURLcode CRingbackCurl_setopt_header(CURL *h, CRingbackCurl_data_callback f, void *context) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
    return rc != CURLE_OK ? rc : curl_easy_setopt(h, CURLOPT_HEADERDATA, context);
}

/* Also turns on CURLOPT_VERBOSE, without which libcurl never calls the debug function. */
typedef int (*CRingbackCurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *context);
static inline CURLcode CRingbackCurl_setopt_debug(CURL *h, CRingbackCurl_debug_callback f, void *context) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, f);
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, CURLOPT_DEBUGDATA, context);
    return rc != CURLE_OK ? rc : curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
}

static inline CURLcode CRingbackCurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode CRingbackCurl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

static inline size_t CRingbackCurl_zeroTerminated(void) { return CURL_ZERO_TERMINATED; }
static inline size_t CRingbackCurl_readAbort(void) { return CURL_READFUNC_ABORT; }
static inline long CRingbackCurl_globalDefault(void) { return CURL_GLOBAL_DEFAULT; }
static inline long CRingbackCurl_useSSLAll(void) { return (long)CURLUSESSL_ALL; }
static inline long CRingbackCurl_useSSLNone(void) { return (long)CURLUSESSL_NONE; }
static inline long CRingbackCurl_errorBufferSize(void) { return CURL_ERROR_SIZE; }

/* Debian 12's libcurl (7.88) spells it with three L; 8.2 renamed it. */
static inline CURLoption CRingbackCurl_optMailRcptAllowFails(void) {
#if LIBCURL_VERSION_NUM >= 0x080200
    return CURLOPT_MAIL_RCPT_ALLOWFAILS;
#else
    return CURLOPT_MAIL_RCPT_ALLLOWFAILS;
#endif
}

#endif
