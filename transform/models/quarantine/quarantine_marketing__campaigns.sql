{{ config(enabled=marketing_enabled()) }}

with

rejected as (
    {{ quarantine_rejected(ref('base_marketing__campaigns'), 'campaign_id') }}
),

final as (
    {{ quarantine_rows('marketing_campaigns', 'rejected') }}
)

select * from final
