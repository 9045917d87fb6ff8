//! The built-in checklists and outcome rules, and the typed errors for files that cannot be used.

use std::collections::BTreeSet;

use foodpatrol_shared::checklist::{Answer, ChecklistTemplate, TemplateError, TemplateRef};
use foodpatrol_shared::outcome::{Metric, OutcomeRule, RuleError, When};
use foodpatrol_shared::rules::{RuleBook, RuleBookError, RuleRef};
use serde_json::{Value, json};

const CATERING_TEMPLATE_JSON: &str = include_str!("../data/checklists/catering-daily.v1.json");
const SALES_TEMPLATE_JSON: &str = include_str!("../data/checklists/sales-daily.v1.json");
const CATERING_RULE_JSON: &str = include_str!("../data/rules/catering-2016.v1.json");
const SALES_RULE_JSON: &str = include_str!("../data/rules/production-sales-2016.v1.json");

fn template_ref(id: &str) -> TemplateRef {
    TemplateRef {
        id: id.to_owned(),
        version: 1,
    }
}

fn rule_ref(id: &str) -> RuleRef {
    RuleRef {
        id: id.to_owned(),
        version: 1,
    }
}

/// Parses a built-in file, lets `edit` change it, and returns the edited JSON text.
fn edited(json: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(json).unwrap();
    edit(&mut value);
    value.to_string()
}

fn template_error(json: &str) -> TemplateError {
    ChecklistTemplate::from_json("edited.json", json).unwrap_err()
}

fn rule_error(json: &str) -> RuleError {
    OutcomeRule::from_json("edited.json", json).unwrap_err()
}

#[test]
fn builtin_book_loads_every_file() {
    let book = RuleBook::builtin();

    let templates: Vec<(String, u32)> = book.templates().map(|t| (t.id.clone(), t.version)).collect();
    let rules: Vec<(String, u32)> = book.rules().map(|r| (r.id.clone(), r.version)).collect();

    assert_eq!(
        templates,
        vec![("catering-daily".to_owned(), 1), ("sales-daily".to_owned(), 1)]
    );
    assert_eq!(
        rules,
        vec![
            ("catering-2016".to_owned(), 1),
            ("production-sales-2016".to_owned(), 1)
        ]
    );
}

#[test]
fn builtin_files_parse_on_their_own() {
    for (name, json) in [
        ("catering-daily.v1.json", CATERING_TEMPLATE_JSON),
        ("sales-daily.v1.json", SALES_TEMPLATE_JSON),
    ] {
        assert!(
            ChecklistTemplate::from_json(name, json).is_ok(),
            "{name} is a valid checklist"
        );
    }
    for (name, json) in [
        ("catering-2016.v1.json", CATERING_RULE_JSON),
        ("production-sales-2016.v1.json", SALES_RULE_JSON),
    ] {
        assert!(
            OutcomeRule::from_json(name, json).is_ok(),
            "{name} is a valid rule"
        );
    }
}

#[test]
fn catering_checklist_has_54_items_11_key() {
    let book = RuleBook::builtin();
    let template = book.template(&template_ref("catering-daily")).unwrap();

    assert_eq!(template.items.len(), 54);
    assert_eq!(template.key_item_count(), 11);
}

#[test]
fn sales_checklist_has_33_items_11_key() {
    let book = RuleBook::builtin();
    let template = book.template(&template_ref("sales-daily")).unwrap();

    assert_eq!(template.items.len(), 33);
    assert_eq!(template.key_item_count(), 11);
}

#[test]
fn builtin_item_ids_are_unique() {
    let book = RuleBook::builtin();
    for template in book.templates() {
        let ids: BTreeSet<&str> = template.items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(
            ids.len(),
            template.items.len(),
            "template {} has duplicate item ids",
            template.id
        );
    }
}

#[test]
fn builtin_items_expect_yes_or_no() {
    let book = RuleBook::builtin();
    for template in book.templates() {
        for item in &template.items {
            assert_ne!(
                item.expected,
                Answer::NotApplicable,
                "{} item {}",
                template.id,
                item.id
            );
            assert!(
                !item.text.trim().is_empty(),
                "{} item {} has text",
                template.id,
                item.id
            );
            assert!(
                !item.category.trim().is_empty(),
                "{} item {} has a category",
                template.id,
                item.id
            );
        }
    }
}

#[test]
fn builtin_templates_name_their_rules() {
    let book = RuleBook::builtin();
    let catering = book.template(&template_ref("catering-daily")).unwrap();
    let sales = book.template(&template_ref("sales-daily")).unwrap();

    assert_eq!(book.rule_for(catering).unwrap().id, "catering-2016");
    assert_eq!(book.rule_for(sales).unwrap().id, "production-sales-2016");
}

#[test]
fn latest_template_follows_business_type() {
    let book = RuleBook::builtin();

    assert_eq!(
        book.latest_template_for("catering").map(|t| t.id.as_str()),
        Some("catering-daily")
    );
    assert_eq!(
        book.latest_template_for("school_canteen").map(|t| t.id.as_str()),
        Some("catering-daily")
    );
    assert_eq!(
        book.latest_template_for("supermarket").map(|t| t.id.as_str()),
        Some("sales-daily")
    );
    assert!(book.latest_template_for("no_such_business").is_none());
}

#[test]
fn builtin_rules_have_three_bands() {
    let book = RuleBook::builtin();
    let catering = book.rule(&rule_ref("catering-2016")).unwrap();
    let sales = book.rule(&rule_ref("production-sales-2016")).unwrap();

    let catering_bands: Vec<&str> = catering.bands.iter().map(|b| b.id.as_str()).collect();
    let sales_bands: Vec<&str> = sales.bands.iter().map(|b| b.id.as_str()).collect();

    assert_eq!(
        catering_bands,
        [
            "none_failed",
            "key_failed_2_or_pass_rate_below_70",
            "key_failed_at_most_1_pass_rate_70_to_100"
        ]
    );
    assert_eq!(
        sales_bands,
        [
            "none_failed",
            "key_failed_or_general_failed_over_8",
            "general_failed_1_to_8"
        ]
    );
}

#[test]
fn latest_version_wins_for_business_type() {
    let mut book = RuleBook::builtin();
    let version_2 = edited(CATERING_TEMPLATE_JSON, |t| t["version"] = json!(2));
    book.insert_template(ChecklistTemplate::from_json("catering-daily.v2.json", &version_2).unwrap())
        .unwrap();

    let latest = book.latest_template_for("catering").unwrap();

    assert_eq!(latest.version, 2);
    assert!(
        book.template(&template_ref("catering-daily")).is_ok(),
        "version 1 stays installed"
    );
}

#[test]
fn malformed_checklist_json_names_the_file() {
    let error = ChecklistTemplate::from_json("broken.v1.json", "{\"id\": \"catering-daily\",").unwrap_err();

    assert!(
        matches!(&error, TemplateError::Json { template, .. } if template == "broken.v1.json"),
        "{error:?}"
    );
    assert!(error.to_string().contains("broken.v1.json"), "{error}");
}

#[test]
fn malformed_rule_json_names_the_file() {
    let error = OutcomeRule::from_json("broken-rule.v1.json", "not json").unwrap_err();

    assert!(
        matches!(&error, RuleError::Json { rule, .. } if rule == "broken-rule.v1.json"),
        "{error:?}"
    );
    assert!(error.to_string().contains("broken-rule.v1.json"), "{error}");
}

#[test]
fn unknown_answer_word_is_a_json_error() {
    let json = edited(CATERING_TEMPLATE_JSON, |t| {
        t["items"][0]["expected"] = json!("maybe");
    });

    let error = template_error(&json);

    assert!(matches!(error, TemplateError::Json { .. }), "{error:?}");
    assert!(error.to_string().contains("maybe"), "{error}");
}

#[test]
fn chinese_answer_words_parse() {
    let json = edited(CATERING_TEMPLATE_JSON, |t| {
        t["items"][0]["expected"] = json!("否");
    });

    let template = ChecklistTemplate::from_json("edited.json", &json).unwrap();

    assert_eq!(template.items[0].expected, Answer::No);
    assert_eq!(template.items[1].expected, Answer::Yes);
}

#[test]
fn missing_expected_defaults_to_yes() {
    let json = edited(CATERING_TEMPLATE_JSON, |t| {
        t["items"][0].as_object_mut().unwrap().remove("expected");
    });

    let template = ChecklistTemplate::from_json("edited.json", &json).unwrap();

    assert_eq!(template.items[0].expected, Answer::Yes);
}

#[test]
fn duplicate_item_id_is_rejected() {
    let json = edited(CATERING_TEMPLATE_JSON, |t| t["items"][5]["id"] = json!("C01-01"));

    let error = template_error(&json);

    assert_eq!(
        error,
        TemplateError::DuplicateItem {
            template: "catering-daily@1".to_owned(),
            item: "C01-01".to_owned()
        }
    );
    assert!(error.to_string().contains("C01-01"), "{error}");
    assert!(error.to_string().contains("catering-daily@1"), "{error}");
}

#[test]
fn empty_item_text_is_rejected() {
    let json = edited(CATERING_TEMPLATE_JSON, |t| t["items"][3]["text"] = json!(""));

    let error = template_error(&json);

    assert_eq!(
        error,
        TemplateError::EmptyField {
            template: "catering-daily@1".to_owned(),
            item: "C02-02".to_owned(),
            field: "text"
        }
    );
    assert!(error.to_string().contains("C02-02"), "{error}");
    assert!(error.to_string().contains("text"), "{error}");
}

#[test]
fn blank_item_category_is_rejected() {
    let json = edited(SALES_TEMPLATE_JSON, |t| t["items"][0]["category"] = json!("  \t"));

    let error = template_error(&json);

    assert!(
        matches!(
            &error,
            TemplateError::EmptyField {
                field: "category",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("sales-daily@1"), "{error}");
}

#[test]
fn empty_item_id_is_rejected() {
    let json = edited(SALES_TEMPLATE_JSON, |t| t["items"][0]["id"] = json!(""));

    let error = template_error(&json);

    assert!(
        matches!(&error, TemplateError::EmptyField { field: "id", .. }),
        "{error:?}"
    );
}

#[test]
fn expected_not_applicable_is_rejected() {
    for word in ["合理缺项", "na"] {
        let json = edited(CATERING_TEMPLATE_JSON, |t| {
            t["items"][10]["expected"] = json!(word);
        });

        let error = template_error(&json);

        assert_eq!(
            error,
            TemplateError::ExpectedNotApplicable {
                template: "catering-daily@1".to_owned(),
                item: "C04-01".to_owned()
            },
            "expected {word}"
        );
        assert!(error.to_string().contains("C04-01"), "{error}");
    }
}

#[test]
fn checklist_without_items_is_rejected() {
    let json = edited(SALES_TEMPLATE_JSON, |t| t["items"] = json!([]));

    let error = template_error(&json);

    assert_eq!(
        error,
        TemplateError::NoItems {
            template: "sales-daily@1".to_owned()
        }
    );
    assert!(error.to_string().contains("sales-daily@1"), "{error}");
}

#[test]
fn empty_band_is_rejected() {
    let json = edited(CATERING_RULE_JSON, |r| r["bands"][1]["when"] = json!({"any": []}));

    let error = rule_error(&json);

    assert_eq!(
        error,
        RuleError::EmptyBand {
            rule: "catering-2016@1".to_owned(),
            band: "key_failed_2_or_pass_rate_below_70".to_owned()
        }
    );
    assert!(
        error.to_string().contains("key_failed_2_or_pass_rate_below_70"),
        "{error}"
    );
}

#[test]
fn rule_without_bands_is_rejected() {
    let json = edited(SALES_RULE_JSON, |r| r["bands"] = json!([]));

    let error = rule_error(&json);

    assert_eq!(
        error,
        RuleError::NoBands {
            rule: "production-sales-2016@1".to_owned()
        }
    );
    assert!(error.to_string().contains("production-sales-2016@1"), "{error}");
}

#[test]
fn pass_rate_over_100_is_rejected() {
    let json = edited(CATERING_RULE_JSON, |r| {
        r["bands"][2]["when"]["all"][2]["value"] = json!(101);
    });

    let error = rule_error(&json);

    assert_eq!(
        error,
        RuleError::PercentOutOfRange {
            rule: "catering-2016@1".to_owned(),
            band: "key_failed_at_most_1_pass_rate_70_to_100".to_owned(),
            value: 101
        }
    );
    assert!(error.to_string().contains("101%"), "{error}");
    assert!(
        error
            .to_string()
            .contains("key_failed_at_most_1_pass_rate_70_to_100"),
        "{error}"
    );
}

#[test]
fn pass_rate_of_100_is_accepted() {
    let rule = OutcomeRule::from_json("catering-2016.v1.json", CATERING_RULE_JSON).unwrap();
    let When::All(conditions) = &rule.bands[2].when else {
        panic!("band 3 joins its conditions by AND")
    };

    assert_eq!(conditions[2].metric, Metric::GeneralPassRate);
    assert_eq!(conditions[2].value, 100);
}

#[test]
fn count_over_100_is_accepted() {
    // Only pass rates are percentages, so a count of failed items may exceed 100.
    let json = edited(SALES_RULE_JSON, |r| {
        r["bands"][1]["when"]["any"][1]["value"] = json!(150);
    });

    let rule = OutcomeRule::from_json("edited.json", &json).unwrap();

    let When::Any(conditions) = &rule.bands[1].when else {
        panic!("band 2 joins its conditions by OR")
    };
    assert_eq!(conditions[1].metric, Metric::GeneralFailed);
    assert_eq!(conditions[1].value, 150);
}

#[test]
fn unknown_metric_is_a_json_error() {
    let json = edited(CATERING_RULE_JSON, |r| {
        r["bands"][0]["when"]["all"][0]["metric"] = json!("key_passed");
    });

    let error = rule_error(&json);

    assert!(matches!(error, RuleError::Json { .. }), "{error:?}");
    assert!(error.to_string().contains("key_passed"), "{error}");
}

#[test]
fn unknown_operator_is_a_json_error() {
    let json = edited(CATERING_RULE_JSON, |r| {
        r["bands"][0]["when"]["all"][0]["op"] = json!("=>");
    });

    let error = rule_error(&json);

    assert!(matches!(error, RuleError::Json { .. }), "{error:?}");
}

#[test]
fn unmatched_outcome_must_be_known() {
    let json = edited(CATERING_RULE_JSON, |r| {
        r["unmatched"]["outcome"] = json!("acceptable");
    });

    let error = rule_error(&json);

    assert!(matches!(error, RuleError::Json { .. }), "{error:?}");
    assert!(error.to_string().contains("acceptable"), "{error}");
}

#[test]
fn insert_rule_validates() {
    let mut book = RuleBook::builtin();
    let mut rule = book.rule(&rule_ref("catering-2016")).unwrap().clone();
    rule.version = 2;
    rule.bands[0].when = When::All(Vec::new());

    let error = book.insert_rule(rule).unwrap_err();

    assert_eq!(
        error,
        RuleBookError::Rule(RuleError::EmptyBand {
            rule: "catering-2016@2".to_owned(),
            band: "none_failed".to_owned()
        })
    );
    assert!(
        book.rule(&RuleRef {
            id: "catering-2016".to_owned(),
            version: 2
        })
        .is_err()
    );
}

#[test]
fn insert_template_validates() {
    let mut book = RuleBook::builtin();
    let mut template = book.template(&template_ref("sales-daily")).unwrap().clone();
    template.version = 2;
    let duplicate = template.items[0].id.clone();
    template.items[1].id = duplicate.clone();

    let error = book.insert_template(template).unwrap_err();

    assert_eq!(
        error,
        RuleBookError::Template(TemplateError::DuplicateItem {
            template: "sales-daily@2".to_owned(),
            item: duplicate.clone()
        })
    );
    assert!(error.to_string().contains(&duplicate), "{error}");
}

#[test]
fn template_naming_missing_rule_is_rejected() {
    let mut book = RuleBook::builtin();
    let json = edited(CATERING_TEMPLATE_JSON, |t| {
        t["outcome_rule"] = json!({"id": "catering-2030", "version": 1});
    });
    let template = ChecklistTemplate::from_json("edited.json", &json).unwrap();

    let error = book.insert_template(template).unwrap_err();

    assert_eq!(
        error,
        RuleBookError::TemplateRuleMissing {
            template: "catering-daily@1".to_owned(),
            rule: "catering-2030@1".to_owned()
        }
    );
    assert!(error.to_string().contains("catering-2030@1"), "{error}");
}

#[test]
fn unknown_template_lookup_names_the_version() {
    let book = RuleBook::builtin();

    let error = book
        .template(&TemplateRef {
            id: "catering-daily".to_owned(),
            version: 9,
        })
        .unwrap_err();

    assert_eq!(
        error,
        RuleBookError::UnknownTemplate {
            id: "catering-daily".to_owned(),
            version: 9
        }
    );
    assert!(error.to_string().contains("catering-daily@9"), "{error}");
}

#[test]
fn unknown_rule_lookup_names_the_version() {
    let book = RuleBook::builtin();

    let error = book
        .rule(&RuleRef {
            id: "catering-2016".to_owned(),
            version: 3,
        })
        .unwrap_err();

    assert_eq!(
        error,
        RuleBookError::UnknownRule {
            id: "catering-2016".to_owned(),
            version: 3
        }
    );
    assert!(error.to_string().contains("catering-2016@3"), "{error}");
}
