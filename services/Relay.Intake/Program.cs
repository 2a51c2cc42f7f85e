using Relay.Intake;
using Relay.Intake.Abuse;
using Relay.Intake.Auth;
using Relay.Intake.Operations;
using Relay.Intake.PersonalData;
using Relay.Intake.Public;
using Relay.ServiceDefaults;

var builder = WebApplication.CreateBuilder(RelayHost.Arguments(args));
builder.AddRelayServiceDefaults();
builder.AddIntake();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestSizeLimit();
app.UseAuthentication();
app.UseAuthorization();
// After authentication: a request counts against its key, or its address when it has none.
app.UseRateLimiter();
app.MapHealth();
app.MapUnions();
app.MapKeys();
app.MapErrorQueues();
app.MapPipeline();
app.MapMessages();
app.MapReview();
app.MapGlossary();
app.MapPersonalData();
app.MapPublicSite();
app.Run();
