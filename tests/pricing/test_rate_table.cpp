// The embedded table, name resolution, effective dates, overlays and validation.
#include <tokenmeter/pricing/builtin_rates.hpp>
#include <tokenmeter/pricing/rate_loader.hpp>
#include <tokenmeter/pricing/rate_table.hpp>

#include <gtest/gtest.h>

#include <string>

namespace tp = tokenmeter::pricing;
using tokenmeter::errc;

namespace {

tp::timestamp at(const char* s) { return *tp::parse_timestamp(s); }

const tp::rate_card& find(const char* model, const char* provider, const char* when) {
  auto r = tp::builtin_rate_table().find(model, provider, at(when));
  if (!r) ADD_FAILURE() << model << " @ " << when << ": " << r.error_value().message;
  static tp::rate_card none;
  return r ? **r : none;
}

errc find_error(const char* model, const char* provider, const char* when) {
  auto r = tp::builtin_rate_table().find(model, provider, at(when));
  return r ? errc{} : r.error_value().code;
}

const char* kOverlayHeader = "schema = 1\n[defaults]\nprovider = \"openai\"\ncurrency = \"USD\"\n";

std::string card(const std::string& model, const std::string& extra, const std::string& rates = "{ input = \"1\", output = \"2\" }") {
  return "[[card]]\nmodel = \"" + model + "\"\neffective_from = \"2026-01-01T00:00:00Z\"\nrates = " + rates +
         "\nsource = \"https://example.com/contract\"\nchecked = \"2026-11-23\"\nauthority = \"negotiated\"\n" + extra + "\n";
}

}  // namespace

TEST(pricing_table, embedded_table_matches_its_recorded_version_and_hash) {
  const auto& t = tp::builtin_rate_table();
  EXPECT_EQ(t.cards().size(), tp::embedded_rates::cards.size());
  EXPECT_GE(t.cards().size(), 60u);
  EXPECT_EQ(t.content_hash(), tp::builtin_rates_hash());
  EXPECT_EQ(t.content_hash().size(), 64u);
  EXPECT_FALSE(t.not_found().empty());
}

TEST(pricing_table, toml_sources_and_embedded_header_agree) {
  auto loaded = tp::load_rate_directory(std::string(TOKENMETER_SOURCE_DIR) + "/rates");
  ASSERT_TRUE(loaded) << loaded.error_value().message;
  EXPECT_EQ(loaded->content_hash(), tp::builtin_rates_hash());
  EXPECT_EQ(loaded->cards(), tp::builtin_rate_table().cards());
}

TEST(pricing_table, ambiguity_is_a_compile_time_check) {
  using tp::detail::e_card;
  constexpr std::array<std::string_view, 2> names = {"same-name", "other"};
  constexpr e_card a{.provider = "p", .model = "m1", .currency = "USD", .name_begin = 0, .alias_count = 1, .prefix_count = 0, .first_party = true,
                     .regional = false, .from = 0, .has_to = false, .to = 0, .promotion = "", .rates = {}, .tier_begin = 0, .tier_count = 0,
                     .has_schedule = false, .utc_offset_minutes = 0, .base_label = "", .window_begin = 0, .window_count = 0,
                     .service_millionths = {}, .source = "", .checked = "", .authority = "", .note = "", .crosscheck = ""};
  constexpr e_card b_overlapping = [&] {
    e_card b = a;
    b.model = "m2";
    return b;
  }();
  constexpr e_card b_later = [&] {
    e_card b = b_overlapping;
    b.from = 100;
    e_card x = b;
    return x;
  }();
  constexpr e_card a_ends = [&] {
    e_card x = a;
    x.has_to = true;
    x.to = 100;
    return x;
  }();
  static_assert(!tp::detail::embedded_unambiguous(std::array<e_card, 2>{a, b_overlapping}, names));
  static_assert(tp::detail::embedded_unambiguous(std::array<e_card, 2>{a_ends, b_later}, names));
  SUCCEED();
}

TEST(pricing_table, resolves_ids_aliases_prefixes_case_insensitively) {
  EXPECT_EQ(find("claude-opus-4.6", "", "2026-06-01").model, "claude-opus-4-6");
  EXPECT_EQ(find("Claude-Opus-4-6-20260205", "", "2026-06-01").model, "claude-opus-4-6");
  EXPECT_EQ(find("claude-opus-4-6-20991231", "", "2026-06-01").model, "claude-opus-4-6");  // match prefix
  EXPECT_EQ(find("claude-opus-5-5", "", "2026-10-01").model, "claude-opus-5-5");
  EXPECT_EQ(find("gpt-5.6", "", "2026-10-01").model, "gpt-5.6-sol");
  EXPECT_EQ(find("minimax-m2.5", "", "2026-10-01").model, "MiniMax-M2.5");
}

TEST(pricing_table, first_party_is_the_default_route) {
  EXPECT_EQ(find("kimi-k2.5", "", "2026-10-01").provider, "moonshot");
  EXPECT_EQ(find("kimi-k2.5", "openrouter", "2026-10-01").provider, "openrouter");
  EXPECT_EQ(find("glm-5.3", "", "2026-10-01").provider, "zai");  // zhipu (CNY) is a regional route
  EXPECT_EQ(find("glm-5.3", "zhipu", "2026-10-01").currency, "CNY");
  EXPECT_EQ(find("qwen-flash", "", "2026-11-23T12:00:00Z").provider, "alibaba");
  EXPECT_EQ(find("qwen-flash", "alibaba-cn", "2026-11-23T12:00:00Z").currency, "CNY");
  EXPECT_EQ(find("gpt-oss-120b", "", "2026-10-01").provider, "openrouter");  // nobody else sells it
}

TEST(pricing_table, unknown_models_and_dates_are_errors_never_zero) {
  EXPECT_EQ(find_error("gpt-7", "", "2026-10-01"), errc::unknown_model);
  EXPECT_EQ(find_error("claude-opus-4.6", "deepseek", "2026-10-01"), errc::unknown_model);
  EXPECT_EQ(find_error("claude-opus-5-5", "", "2026-09-21T23:59:59Z"), errc::out_of_range);  // before it existed
  EXPECT_EQ(find_error("", "", "2026-10-01"), errc::invalid_argument);
  auto r = tp::builtin_rate_table().find("qwen3.7-flash", "", at("2026-10-01"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_value().code, errc::unknown_model);
}

TEST(pricing_table, effective_date_boundaries_pick_the_card_of_the_day) {
  // Opus 4.6: 200K tier until 2026-03-13T00:00:00Z (exclusive), flat after.
  EXPECT_EQ(find("claude-opus-4-6", "", "2026-03-12T23:59:59Z").tiers.size(), 1u);
  EXPECT_EQ(find("claude-opus-4-6", "", "2026-03-13T00:00:00Z").tiers.size(), 0u);
  EXPECT_EQ(find_error("claude-opus-4-6", "", "2026-02-04T23:59:59Z"), errc::out_of_range);
  EXPECT_EQ(find("claude-opus-4-6", "", "2026-02-05T00:00:00Z").tiers.size(), 1u);
  // DeepSeek aliases move from model to model and finally retire.
  EXPECT_EQ(find("deepseek-chat", "", "2025-06-01").model, "deepseek-chat");
  EXPECT_EQ(find("deepseek-chat", "", "2025-09-05T15:59:59Z").model, "deepseek-chat");
  EXPECT_EQ(find("deepseek-chat", "", "2025-09-05T16:00:00Z").model, "deepseek-v3.1");
  EXPECT_EQ(find_error("deepseek-chat", "", "2025-09-29T12:00:00Z"), errc::out_of_range);  // hour of change unpublished
  EXPECT_EQ(find("deepseek-chat", "", "2025-09-30T00:00:00Z").model, "deepseek-v3.2");
  EXPECT_EQ(find("deepseek-reasoner", "", "2026-05-01").model, "deepseek-v4-flash");
  EXPECT_EQ(find("deepseek-chat", "", "2026-07-24T15:58:59Z").model, "deepseek-v4-flash");
  EXPECT_EQ(find_error("deepseek-chat", "", "2026-07-24T15:59:00Z"), errc::out_of_range);
  // Promotion with an end date, then the same price as list price.
  EXPECT_FALSE(find("deepseek-v4-pro", "", "2026-05-31T15:58:59Z").promotion.empty());
  EXPECT_TRUE(find("deepseek-v4-pro", "", "2026-05-31T15:59:00Z").promotion.empty());
}

TEST(pricing_table, overlay_overrides_a_model_and_changes_the_hash) {
  auto file = tp::parse_rate_toml(std::string(kOverlayHeader) + card("gpt-4o", "aliases = [\"gpt-4o-2024-08-06\"]", "{ input = \"2\", output = \"8\" }") +
                                      card("my-finetune", "", "{ input = \"3\", output = \"12\" }"),
                                  "overlay.toml");
  ASSERT_TRUE(file) << file.error_value().message;
  auto merged = tp::builtin_rate_table().with_overlay(file->cards, "overlay.toml");
  ASSERT_TRUE(merged) << merged.error_value().message;
  EXPECT_NE(merged->content_hash(), tp::builtin_rate_table().content_hash());
  EXPECT_EQ(merged->version(), std::string(tp::builtin_rates_version()) + "+overlay.toml");
  auto c = merged->find("gpt-4o", "", at("2026-06-01"));
  ASSERT_TRUE(c);
  EXPECT_EQ(*(*c)->rates[tp::bucket::input], 2'000'000'000);
  EXPECT_EQ((*c)->prov.authority, "negotiated");
  EXPECT_TRUE(merged->find("my-finetune", "openai", at("2026-06-01")));
  // The overlay states gpt-4o's whole history: no older gpt-4o card remains.
  EXPECT_FALSE(merged->find("gpt-4o", "", at("2025-06-01")));
  EXPECT_EQ(merged->cards().size(), tp::builtin_rate_table().cards().size() + 1);
}

TEST(pricing_table, overlays_are_validated_like_the_embedded_data) {
  auto err = [](const std::string& body) {
    auto f = tp::parse_rate_toml(std::string(kOverlayHeader) + body, "overlay.toml");
    if (!f) return f.error_value();
    auto m = tp::builtin_rate_table().with_overlay(f->cards, "overlay.toml");
    return m ? tokenmeter::error{} : m.error_value();
  };
  // TOML floats are refused: decimal strings only.
  EXPECT_EQ(err(card("x", "", "{ input = 0.5, output = \"1\" }")).code, errc::parse_error);
  // More precision than nano-units.
  EXPECT_EQ(err(card("x", "", "{ input = \"0.0000000001\", output = \"1\" }")).code, errc::parse_error);
  // A typo is an error, not a silently dropped price.
  EXPECT_EQ(err(card("x", "efective_to = \"2027-01-01\"")).code, errc::parse_error);
  EXPECT_EQ(err(card("x", "", "{ inptu = \"1\", output = \"1\" }")).code, errc::parse_error);
  // Input and output are required.
  EXPECT_EQ(err(card("x", "", "{ input = \"1\" }")).code, errc::parse_error);
  // Two cards in force at once answering to one name.
  EXPECT_EQ(err(card("x", "aliases = [\"shared\"]") + card("y", "aliases = [\"shared\"]")).code, errc::ambiguous_model);
  // An overlay alias colliding with an embedded model of the same provider.
  EXPECT_EQ(err(card("x", "aliases = [\"gpt-5\"]")).code, errc::ambiguous_model);
  // Match prefixes where one is a prefix of the other.
  EXPECT_EQ(err(card("x", "match_prefixes = [\"foo-\"]") + card("y", "match_prefixes = [\"foo-bar-\"]")).code, errc::ambiguous_model);
  // A batch multiplier that would need a fraction of a nano-unit.
  EXPECT_EQ(err(card("x", "service_tiers = { batch = \"0.5\" }", "{ input = \"0.000000001\", output = \"1\" }")).code, errc::parse_error);
  // Overlapping schedule windows.
  EXPECT_EQ(err(card("x", "[card.schedule]\nutc_offset = \"+08:00\"\n[[card.schedule.window]]\nlabel = \"a\"\nstart = \"09:00\"\nend = \"12:00\"\n"
                          "rates = { input = \"2\" }\n[[card.schedule.window]]\nlabel = \"b\"\nstart = \"11:00\"\nend = \"13:00\"\nrates = { input = \"3\" }"))
                .code,
            errc::parse_error);
  // Named time zones are not accepted (no tz database): fixed offsets only.
  EXPECT_EQ(err(card("x", "[card.schedule]\nutc_offset = \"Asia/Shanghai\"\n[[card.schedule.window]]\nlabel = \"a\"\nstart = \"09:00\"\nend = \"12:00\"\n"
                          "rates = { input = \"2\" }"))
                .code,
            errc::parse_error);
  // A promotion needs an end date.
  EXPECT_EQ(err(card("x", "promotion = \"launch\"")).code, errc::parse_error);
  // Thresholds must say > or >=.
  EXPECT_EQ(err(card("x", "[[card.long_context]]\nthreshold = 1000\ncomparison = \"=>\"\ncounts = [\"input\"]\napplies_to = \"whole_request\"\nrates = { input = \"2\" }")).code,
            errc::parse_error);
  // Malformed TOML reports a position.
  auto bad = tp::parse_rate_toml("schema = 1\n[[card]\n", "broken.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_value().message.find("broken.toml:2"), std::string::npos) << bad.error_value().message;
}
