using Relay.Intake;
using Relay.Intake.Public;
using Relay.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddRelayServiceDefaults();
builder.AddIntake();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealth();
app.MapUnions();
app.MapMessages();
app.MapReview();
app.MapGlossary();
app.MapPublicSite();
app.Run();
