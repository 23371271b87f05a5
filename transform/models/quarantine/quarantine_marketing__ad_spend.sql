{{ config(enabled=marketing_enabled()) }}

with

rejected as (
    {{ quarantine_rejected(
        ref('base_marketing__ad_spend'), dbt.concat(['campaign_id', "'|'", 'spend_date'])
    ) }}
),

final as (
    {{ quarantine_rows('marketing_ad_spend', 'rejected') }}
)

select * from final
