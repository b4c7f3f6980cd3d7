// tokenmeter: exact LLM tokenizers, token counts and prices. The umbrella header.
#pragma once

#include <tokenmeter/config.hpp>
#include <tokenmeter/error.hpp>
#include <tokenmeter/tokenizer.hpp>
#include <tokenmeter/types.hpp>
#include <tokenmeter/version.hpp>
#include <tokenmeter/vocab/load.hpp>
#include <tokenmeter/vocab/manifest.hpp>
