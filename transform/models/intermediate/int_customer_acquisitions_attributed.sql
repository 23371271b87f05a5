{{ config(enabled=marketing_enabled()) }}

{#- First touch: a customer's earliest converted lead, matched by the lead's CRM customer id,
    else by normalised email (leads captured before the CRM knew the customer). -#}
with

customers as (
    {{ import_columns(ref('stg_crm__customers'), ['customer_id', 'email']) }}
),

leads as (
    {{ import_columns(ref('stg_marketing__leads'), [
        'lead_id', 'campaign_id', 'channel', 'email', 'customer_id', 'created_at',
        'converted_at',
    ], where="lead_status = 'converted'") }}
),

matched as (

    select
        coalesce(leads.customer_id, customers.customer_id) as customer_id,
        leads.lead_id,
        leads.campaign_id,
        leads.channel,
        leads.created_at as lead_created_at,
        leads.converted_at

    from leads
    left join customers
        on leads.customer_id is null
        and leads.email = customers.email

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by lead_created_at, lead_id
        ) as touch_rank

    from matched
    where customer_id is not null

),

final as (

    select
        customer_id,
        lead_id as acquisition_lead_id,
        campaign_id as acquisition_campaign_id,
        channel as acquisition_channel,
        lead_created_at as acquisition_lead_created_at,
        converted_at as acquired_at

    from ranked
    where touch_rank = 1

)

select * from final
