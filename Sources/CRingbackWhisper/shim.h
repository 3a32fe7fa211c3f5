#ifndef CRINGBACK_WHISPER_SHIM_H
#define CRINGBACK_WHISPER_SHIM_H

/* whisper.cpp as `make deps` installs it in the repository (.deps/whisper), not from a system package. */
#include "../../.deps/whisper/include/whisper.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/*
 * A flag another thread raises to stop a decode. whisper.cpp polls it between graph computations through
 * `abort_callback`; Swift sees only the opaque pointer, never the atomic.
 */
static inline void *CRingbackWhisper_flag_new(void) {
    atomic_int *flag = malloc(sizeof(atomic_int));
    if (flag != NULL) atomic_init(flag, 0);
    return flag;
}
static inline void CRingbackWhisper_flag_raise(void *flag) { atomic_store((atomic_int *)flag, 1); }
static inline bool CRingbackWhisper_flag_is_raised(void *flag) { return atomic_load((atomic_int *)flag) != 0; }
static inline void CRingbackWhisper_flag_free(void *flag) { free(flag); }
static bool CRingbackWhisper_abort_callback(void *flag) { return atomic_load((atomic_int *)flag) != 0; }

/* whisper.cpp and ggml log to stderr by default; Ringback reports failures itself. */
static void CRingbackWhisper_log_nothing(enum ggml_log_level level, const char *text, void *data) {
    (void)level; (void)text; (void)data;
}
static inline void CRingbackWhisper_silence_logs(void) { whisper_log_set(CRingbackWhisper_log_nothing, NULL); }

/* Loads a ggml model on the CPU. NULL when the file is missing, truncated or not a whisper model. */
static inline struct whisper_context *CRingbackWhisper_load(const char *path) {
    struct whisper_context_params params = whisper_context_default_params();
    params.use_gpu = false;
    return whisper_init_from_file_with_params(path, params);
}

/*
 * One decode of 16 kHz mono float samples. `language` NULL or "auto" detects it; `prompt` may be NULL.
 * beam_size 1 decodes greedily. Returns whisper_full's status: 0 on success, non-zero on failure or abort.
 */
static inline int CRingbackWhisper_full(
    struct whisper_context *ctx, const float *samples, int count, int threads, int beam_size,
    const char *language, const char *prompt, void *abort_flag) {
    struct whisper_full_params params =
        whisper_full_default_params(beam_size > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY);
    params.n_threads = threads;
    params.beam_search.beam_size = beam_size;
    params.language = language != NULL ? language : "auto";
    params.detect_language = false;
    params.initial_prompt = prompt;
    params.translate = false;
    params.print_progress = false;
    params.print_realtime = false;
    params.print_timestamps = false;
    params.print_special = false;
    /* [Music], (applause), ♪: annotations, not words a caller said. */
    params.suppress_nst = true;
    params.abort_callback = CRingbackWhisper_abort_callback;
    params.abort_callback_user_data = abort_flag;
    return whisper_full(ctx, params, samples, count);
}

/*
 * The model's probability that a 30 s window holds no speech, as OpenAI's decoder reads it: the <|nospeech|> token
 * right after <|startoftranscript|>. (whisper.cpp's per-segment value is read later in the prompt and stays near 0
 * for this model.) `offset` is the window's first mel frame (100 per second) of the samples last passed to
 * whisper_pcm_to_mel. Returns -1 on failure.
 */
static inline int CRingbackWhisper_mel(struct whisper_context *ctx, const float *samples, int count, int threads) {
    return whisper_pcm_to_mel(ctx, samples, count, threads);
}
static inline float CRingbackWhisper_no_speech(struct whisper_context *ctx, int offset, int threads) {
    if (whisper_encode(ctx, offset, threads) != 0) return -1;
    whisper_token sot = whisper_token_sot(ctx);
    if (whisper_decode(ctx, &sot, 1, 0, threads) != 0) return -1;
    const float *logits = whisper_get_logits(ctx);
    const int n = whisper_n_vocab(ctx);
    float max = logits[0];
    for (int i = 1; i < n; i++) if (logits[i] > max) max = logits[i];
    double sum = 0;
    for (int i = 0; i < n; i++) sum += exp((double)(logits[i] - max));
    return (float)(exp((double)(logits[whisper_token_nosp(ctx)] - max)) / sum);
}

#endif
