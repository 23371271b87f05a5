{{ config(enabled=marketing_enabled()) }}
{#-
    The latest valid version of each key: base_marketing__leads parses and checks every raw row;
    rows that fail validation are in the quarantine schema instead (docs/quality.md).
-#}
with

latest_valid as (
    {{ latest_valid(ref('base_marketing__leads'), [
        'lead_id', 'campaign_id', 'channel', 'email', 'customer_id', 'lead_status',
        'created_at', 'converted_at', 'updated_at',
    ]) }}
)

select * from latest_valid
