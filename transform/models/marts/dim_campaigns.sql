{{ config(enabled=marketing_enabled()) }}

with

campaigns as (
    {{ import_columns(ref('stg_marketing__campaigns'), [
        'campaign_id', 'campaign_name', 'channel', 'objective', 'campaign_status',
        'start_date', 'end_date', 'daily_budget_gbp', 'currency_code', 'created_at',
        'updated_at',
    ]) }}
),

channels as (
    {{ import_columns(ref('ref_marketing_channels'), ['marketing_channel', 'channel_label']) }}
),

referenced as (

    select campaign_id from {{ ref('stg_marketing__ad_spend') }}
    union distinct
    select campaign_id from {{ ref('stg_marketing__leads') }}

),

known_campaigns as (

    select
        {{ member_key('campaigns.campaign_id') }} as campaign_key,
        campaigns.campaign_id,
        campaigns.campaign_name,
        coalesce(campaigns.channel, 'Unknown') as channel,
        coalesce(channels.channel_label, campaigns.channel, 'Unknown') as channel_label,
        campaigns.objective,
        campaigns.campaign_status,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.daily_budget_gbp,
        campaigns.currency_code,
        true as is_known_campaign,
        campaigns.created_at,
        campaigns.updated_at

    from campaigns
    left join channels
        on campaigns.channel = channels.marketing_channel

),

{#- Campaigns that spend or leads reference but the campaigns endpoint has not (yet) sent. #}
members as (
    {{ dimension_members(
        known='known_campaigns',
        referenced='referenced',
        key='campaign_id',
        surrogate_key='campaign_key',
        columns=[
            'campaign_name', 'channel', 'channel_label', 'objective', 'campaign_status',
            'start_date', 'end_date', 'daily_budget_gbp', 'currency_code', 'is_known_campaign',
            'created_at', 'updated_at',
        ],
        inferred={
            'campaign_name': "'Campaign not in the marketing tool'", 'is_known_campaign': 'false',
            'channel': "'Unknown'", 'channel_label': "'Unknown'",
        },
        unknown={'campaign_name': "'No campaign'"},
    ) }}
),

final as (

    select
        cast(campaign_key as {{ dbt.type_bigint() }}) as campaign_key,
        cast(campaign_id as {{ dbt.type_bigint() }}) as campaign_id,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(channel_label as {{ dbt.type_string() }}) as channel_label,
        cast(objective as {{ dbt.type_string() }}) as objective,
        cast(campaign_status as {{ dbt.type_string() }}) as campaign_status,
        start_date,
        end_date,
        {{ to_money('daily_budget_gbp') }} as daily_budget_gbp,
        cast(currency_code as {{ dbt.type_string() }}) as currency_code,
        is_known_campaign,
        created_at,
        updated_at

    from members

)

select * from final
