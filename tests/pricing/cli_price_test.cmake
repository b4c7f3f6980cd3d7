# End-to-end checks of `tokenmeter price` / `tokenmeter prices` (run by ctest as pricing.cli_price_command).
#   cmake -DTM=<tokenmeter binary> -DDATA=<tests/pricing/data> -P cli_price_test.cmake
# Expected amounts are tokens x the stated $/1M rates, worked out by hand in the comments.

# message(SEND_ERROR) keeps going and makes `cmake -P` exit non-zero at the end.

function(check name expect_rc)  # check(<name> <rc> ARGS ... [CONTAINS s...] [LACKS s...])
  cmake_parse_arguments(C "" "" "ARGS;CONTAINS;LACKS" ${ARGN})
  execute_process(COMMAND ${TM} ${C_ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(ok TRUE)
  if(NOT rc EQUAL expect_rc)
    message(SEND_ERROR "${name}: exit ${rc}, expected ${expect_rc}\nstdout:\n${out}\nstderr:\n${err}")
    set(ok FALSE)
  endif()
  foreach(s IN LISTS C_CONTAINS)
    string(FIND "${out}${err}" "${s}" pos)
    if(pos EQUAL -1)
      message(SEND_ERROR "${name}: output lacks '${s}'\nstdout:\n${out}\nstderr:\n${err}")
      set(ok FALSE)
    endif()
  endforeach()
  foreach(s IN LISTS C_LACKS)
    string(FIND "${out}${err}" "${s}" pos)
    if(NOT pos EQUAL -1)
      message(SEND_ERROR "${name}: output has '${s}'\nstdout:\n${out}\nstderr:\n${err}")
      set(ok FALSE)
    endif()
  endforeach()
  if(ok)
    message(STATUS "ok   ${name}")
  endif()
endfunction()

# 272,000 input tokens is standard ($5 / $30): 272000*5 + 1000*30 per 1M = 1.39.
check(threshold_exact 0 ARGS price --model gpt-5.5 --at 2026-06-01 --input 272000 --output 1000 --json
      CONTAINS "\"total\": \"1.39\"" "\"rate_per_million\": \"5\"" "\"effective_from\": \"2026-04-23T00:00:00Z\"")
# One more token crosses into long context for the whole request: 272001*10 + 1000*45 = 2.76501.
check(threshold_plus_one 0 ARGS price --model gpt-5.5 --at 2026-06-01 --input 272001 --output 1000
      CONTAINS "2.76501 USD" "long context > 272000")
# Batch + cache on Sonnet 4.6: (1000*3 + 10000*0.3 + 2000*3.75 + 500*6 + 300*15) / 2 per 1M = 0.0105.
check(batch_cache 0 ARGS price --model claude-sonnet-4.6 --at 2026-06-01 --input 1000 --cache-read 10000 --cache-write-5m 2000
      --cache-write-1h 500 --output 300 --batch CONTAINS "0.0105 USD" "batch x 0.5")
# DeepSeek peak (Tuesday 09:00 Beijing): 1M * 0.44.
check(deepseek_peak 0 ARGS price --model deepseek-v4-flash --at 2026-09-01T01:00:00Z --input 1000000 --output 0
      CONTAINS "0.44 USD" "peak")
check(unknown_model 2 ARGS price --model gpt-7 --input 1 --output 1 CONTAINS "unknown_model")
check(no_card_that_day 2 ARGS price --model claude-opus-5-5 --at 2026-01-01 --input 1 --output 1 CONTAINS "out_of_range")
check(tier_not_offered 2 ARGS price --model claude-opus-4-8 --at 2026-06-01 --input 1 --output 1 --priority CONTAINS "no priority pricing")
check(two_tiers 2 ARGS price --model gpt-5.5 --input 1 --output 1 --batch --priority)
check(bad_flag 2 ARGS price --model gpt-5.5 --input 1 --output 1 --frobnicate)
check(missing_counts 2 ARGS price --model gpt-5.5 --input 1)
check(bad_time 2 ARGS price --model gpt-5.5 --input 1 --output 1 --at "next tuesday")

# One OpenAI response, priced at its own `created` time: 93*2.5 + 1024*1.25 + 46*10 per 1M.
check(usage_openai 0 ARGS price --usage ${DATA}/openai_chat.json --json CONTAINS "\"total\": \"0.0019725\"" "\"bucket\": \"cache_read\"")
# JSONL of four providers. Anthropic 2095*5 + 51*6.25 + 2000*10 + 4102*0.5 + 503*25 = 0.04541975;
# Gemini 2048*2 + 2048*0.2 + 1256*12 = 0.0195776; DeepSeek V4 Pro at peak 360*1.32 + 640*0.044 + 500*3.96
# = 0.00248336; OpenRouter's own usage.cost 0.001615. Sum 0.06909571.
check(usage_jsonl 0 ARGS price --usage ${DATA}/mixed.jsonl --json
      CONTAINS "\"total\": \"0.04541975\"" "\"total\": \"0.0195776\"" "\"total\": \"0.00248336\"" "\"bucket\": \"provider_reported\""
               "\"amount\": \"0.001615\"" "\"total\": \"0.06909571\"")
check(usage_malformed 3 ARGS price --usage ${DATA}/malformed.jsonl CONTAINS "line 2")
check(usage_missing 3 ARGS price --usage ${DATA}/does-not-exist.json)

# A runtime overlay: gpt-4o at a negotiated $2 / 1M input.
check(overlay 0 ARGS price --rates ${DATA}/overlay.toml --model gpt-4o --at 2026-06-01 --input 1000000 --output 0
      CONTAINS "2 USD" "contract #1234")
check(overlay_missing 2 ARGS price --rates ${DATA}/nope.toml --model gpt-4o --input 1 --output 1)

check(prices_json 0 ARGS prices --json --at 2026-09-01T00:00:00Z CONTAINS "\"content_hash\"" "\"deepseek-v4-pro\"" "\"not_found\"")
check(prices_schedule 0 ARGS prices --provider deepseek --at 2026-09-01T00:00:00Z CONTAINS "peak (Beijing 09:00-12:00" "UTC+08:00"
      LACKS "deepseek-chat ")
check(prices_history 0 ARGS prices --all --model deepseek-chat CONTAINS "2025-02-26T16:30:00Z" "deepseek-v3.2")
