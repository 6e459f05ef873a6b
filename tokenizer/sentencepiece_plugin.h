// The C boundary of the SentencePiece plugin (libdclm_sentencepiece.so).
//
// Why a plugin: Debian's libsentencepiece exports its own bundled protobuf (3.14) while LibTorch needs
// the system libprotobuf (3.21); a process that links both crashes while registering protobuf
// descriptors at start-up. The plugin is the only thing that links sentencepiece, and it is loaded with
// dlopen(RTLD_LOCAL | RTLD_DEEPBIND), so sentencepiece binds to its own protobuf and nothing leaks into
// the global symbol scope. Only C types cross this boundary; buffers are freed by the plugin.
#pragma once
#include <cstddef>
#include <cstdint>

extern "C" {
// All functions return 0 on success; on failure they set *err to a message (free with dclm_spm_free_buf).
int dclm_spm_load(const char* bytes, size_t len, void** handle, char** err);
void dclm_spm_close(void* handle);
int dclm_spm_encode(void* handle, const char* text, size_t len, int32_t** ids, size_t* n, char** err);
int dclm_spm_decode(void* handle, const int32_t* ids, size_t n, char** text, size_t* len, char** err);
// piece_size, pad_id, unk_id, eos_id; piece_to_id returns unk_id for unknown pieces.
int dclm_spm_info(void* handle, int which);
int dclm_spm_piece_to_id(void* handle, const char* piece);
// Trains from n in-memory sentences; returns the serialized model in *model (free with dclm_spm_free_buf).
int dclm_spm_train(const char* args, const char* const* sentences, const size_t* lengths, size_t n,
                   unsigned int seed, char** model, size_t* model_len, char** err);
void dclm_spm_free_buf(void* p);
}

enum DclmSpmInfo { kDclmSpmPieceSize = 0, kDclmSpmPadId = 1, kDclmSpmUnkId = 2, kDclmSpmEosId = 3 };
