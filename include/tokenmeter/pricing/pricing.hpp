// Umbrella header for tokenmeter's pricing: exact money, rate cards and the embedded rate table,
// TOML overlays, provider usage adapters and price(). See docs/pricing.md.
#pragma once

#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/money.hpp>
#include <tokenmeter/pricing/price.hpp>
#include <tokenmeter/pricing/rate_card.hpp>
#include <tokenmeter/pricing/rate_loader.hpp>
#include <tokenmeter/pricing/rate_table.hpp>
#include <tokenmeter/pricing/timestamp.hpp>
#include <tokenmeter/pricing/usage.hpp>
#include <tokenmeter/pricing/usage_adapters.hpp>
