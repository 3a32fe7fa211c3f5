#ifndef CRINGBACK_SPHINX_SHIM_H
#define CRINGBACK_SPHINX_SHIM_H

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>

/*
 * cmd_ln_init is variadic, so Swift cannot call it. The settings are the ones that decode telephone audio
 * reproducibly: whole utterances, no noise or silence removal carried between utterances (they made results depend
 * on what the decoder heard before), and no log output. Returns NULL when the model files cannot be loaded.
 */
static inline ps_decoder_t *CRingbackSphinx_init(const char *hmm, const char *lm, const char *dict) {
    err_set_logfp(NULL);
    cmd_ln_t *config = cmd_ln_init(NULL, ps_args(), TRUE,
        "-hmm", hmm, "-lm", lm, "-dict", dict,
        "-logfn", "/dev/null", "-remove_noise", "no", "-remove_silence", "no",
        NULL);
    if (config == NULL) return NULL;
    ps_decoder_t *decoder = ps_init(config);
    cmd_ln_free_r(config);
    return decoder;
}

/* A log-domain probability from the decoder (a word posterior) as 0...1. */
static inline double CRingbackSphinx_probability(ps_decoder_t *decoder, int32 logprob) {
    return logmath_exp(ps_get_logmath(decoder), logprob);
}

#endif
