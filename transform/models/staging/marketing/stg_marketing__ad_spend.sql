{{ config(enabled=marketing_enabled()) }}
{#-
    The latest valid version of each key: base_marketing__ad_spend parses and checks every raw
    row; rows that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_marketing__ad_spend'), [
        'campaign_id', 'spend_date', 'channel', 'impressions', 'clicks', 'spend_gbp',
        'currency_code', 'updated_at',
    ]) }}
)

select * from latest_valid
