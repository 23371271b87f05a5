{{ config(enabled=marketing_enabled()) }}
{#-
    The latest valid version of each key: base_marketing__campaigns parses and checks every raw
    row; rows that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_marketing__campaigns'), [
        'campaign_id', 'campaign_name', 'channel', 'objective', 'campaign_status',
        'start_date', 'end_date', 'daily_budget_gbp', 'currency_code', 'created_at',
        'updated_at',
    ]) }}
)

select * from latest_valid
