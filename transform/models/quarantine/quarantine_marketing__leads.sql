{{ config(enabled=marketing_enabled()) }}

with

rejected as (
    {{ quarantine_rejected(ref('base_marketing__leads'), 'lead_id') }}
),

final as (
    {{ quarantine_rows('marketing_leads', 'rejected') }}
)

select * from final
