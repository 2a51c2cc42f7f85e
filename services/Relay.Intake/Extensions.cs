using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Relay.Intake.Abuse;
using Relay.Intake.Auth;
using Relay.Intake.MailIntake;
using Relay.Intake.Operations;
using Relay.Intake.Operations.Dashboard;
using Relay.Intake.PersonalData;
using Relay.ServiceDefaults;

namespace Relay.Intake;

public static class Extensions
{
    public static WebApplicationBuilder AddIntake(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseUrls(HealthEndpoints.ListenAddresses(builder.Configuration));

        builder.Services.AddOptions<IntakeOptions>().BindConfiguration("Intake");
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<StorageUnavailableExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);

        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(ReviewSession.Scheme, Session("/review/sign-in", "relay_review"))
            .AddCookie(UnionSession.Scheme, Session("/write/sign-in", "relay_union"));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.ReviewDesk, p => p.AddAuthenticationSchemes(ReviewSession.Scheme).RequireRole(Roles.Coordinator))
            .AddPolicy(Policies.UnionForm, p => p.AddAuthenticationSchemes(UnionSession.Scheme).RequireRole(Roles.Union))
            .AddPolicy(Policies.Coordinator, p => p.RequireRole(Roles.Coordinator))
            .AddPolicy(Policies.Union, p => p.RequireRole(Roles.Union))
            .AddPolicy(Policies.UnionOrCoordinator, p => p.RequireRole(Roles.Union, Roles.Coordinator));
        builder.Services.AddHostedService<CoordinatorKeyBootstrap>();
        builder.Services.AddRelayRateLimits();

        // The review desk's pages need a signed-in coordinator, and the unions' form a signed-in union,
        // except the sign-in pages; their forms carry antiforgery tokens, which Razor Pages check on every POST.
        builder.Services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/Review", Policies.ReviewDesk);
            o.Conventions.AllowAnonymousToPage("/Review/SignIn");
            o.Conventions.AuthorizeFolder("/Write", Policies.UnionForm);
            o.Conventions.AllowAnonymousToPage("/Write/SignIn");
            o.Conventions.AllowAnonymousToPage("/Write/SignInLink");
        });
        builder.Services.AddScoped<Review.ReviewDesk>();
        builder.Services.AddScoped<MessageSubmission>();
        builder.Services.AddSingleton<SubmissionWriter>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Auth.RecentLookups>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SubmissionWriter>());
        builder.Services.AddScoped<MessageConfirmation>();
        builder.Services.AddSingleton<Operations.ErrorQueues>();
        builder.Services.AddDashboard();
        builder.Services.AddPipelineGauges();
        builder.Services.AddMailIntake();
        // Escape markup, not languages: by default Razor turns every non-ASCII letter into an entity,
        // which bloats Cyrillic or Arabic pages several times over.
        builder.Services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        builder.Services.AddScoped<Public.PublishedMessages>();
        builder.Services.AddRecipientLinks();
        builder.Services.AddPersonalData();
        return builder;
    }

    /// <summary>A page session after a key was given once: HttpOnly, SameSite=Strict, 8 hours sliding.</summary>
    private static Action<CookieAuthenticationOptions> Session(string signInPath, string cookieName) => o =>
    {
        o.LoginPath = signInPath;
        o.AccessDeniedPath = signInPath;
        o.Cookie.Name = cookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = TimeSpan.FromHours(8);
        o.SlidingExpiration = true;
        o.Events.OnValidatePrincipal = SessionValidation.ValidateAsync;
    };
}
